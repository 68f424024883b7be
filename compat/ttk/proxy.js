// What a Mojaloop deployment's network gives the Testing Toolkit and Mizani asks for: credentials. The collections
// call central-ledger and ml-api-adapter without any; this proxy adds the hub operator's bearer credential to admin
// calls, and to FSPIOP calls the credential of the participant named in FSPIOP-Source, which it registers with the
// hub (PUT /participants/{name}/credentials) the first time it sees that participant. Nothing else is changed:
// bodies and every other header pass through as sent, both ways. Loopback only.
'use strict'
const http = require('http')
const crypto = require('crypto')

const [adminPort, fspiopPort] = [Number(process.env.PROXY_ADMIN_PORT), Number(process.env.PROXY_FSPIOP_PORT)]
const admin = new URL(process.env.HUB_ADMIN_URL)
const transfers = new URL(process.env.HUB_TRANSFERS_URL)
const operator = process.env.HUB_OPERATOR_TOKEN
const secret = crypto.randomBytes(16).toString('hex')
const registered = new Map() // participant name -> Promise of its credential

function credentialOf (participant) {
  if (!registered.has(participant)) {
    const credential = 'ttk-' + crypto.createHash('sha256').update(secret + participant).digest('hex')
    registered.set(participant, send(admin, 'PUT', '/participants/' + encodeURIComponent(participant) + '/credentials',
      { 'content-type': 'application/json', authorization: 'Bearer ' + operator }, JSON.stringify({ credential }))
      .then(answer => {
        if (answer.status !== 201) {
          registered.delete(participant) // not onboarded yet, perhaps: try again on its next call
          console.error(`proxy: no credential for ${participant}: ${answer.status} ${answer.body}`)
          return null
        }
        return credential
      }))
  }
  return registered.get(participant)
}

function send (base, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

function serve (port, base, authorize) {
  return handler(base, authorize).listen(port, '127.0.0.1')
}

function handler (base, authorize) {
  return http.createServer((req, res) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', async () => {
      try {
        const headers = { ...req.headers, host: base.host }
        const credential = await authorize(req)
        if (credential) headers.authorization = 'Bearer ' + credential
        const answer = await send(base, req.method, req.url, headers, Buffer.concat(chunks))
        res.writeHead(answer.status, answer.headers)
        res.end(answer.body)
      } catch (e) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end('proxy: ' + e.message)
      }
    })
  })
}

const fspiop = handler(transfers, async req => req.headers['fspiop-source'] ? credentialOf(req.headers['fspiop-source']) : null)

// Stand-ins for Mojaloop's account lookup and quoting services, which are not part of Mizani (a transfers hub):
// each forwards a request, as sent, to its FSPIOP-Destination's endpoint registered with the hub, as the quoting
// service does in its pass-through mode, so that a collection's transfer can use the terms its quote agreed. A party
// lookup without a destination goes to the DFSP the onboarding collections registered the party with (POST
// /participants/{Type}/{ID}, kept here as an oracle keeps it), else to PARTY_DFSP. They answer 202 (200 to a PUT) at
// once.
const parties = new Map() // "Type/ID[/SubId]" -> fspId
const endpointTypes = {
  'POST /quotes': ['FSPIOP_CALLBACK_URL_QUOTES', '/quotes'],
  'PUT /quotes': ['FSPIOP_CALLBACK_URL_QUOTES', null],
  'GET /parties': ['FSPIOP_CALLBACK_URL_PARTIES_GET', null],
  'PUT /parties': ['FSPIOP_CALLBACK_URL_PARTIES_PUT', null]
}

async function forward (req, body) {
  const resource = '/' + req.url.split('/')[1].split('?')[0]
  const [type, fixedPath] = endpointTypes[req.method + ' ' + resource] || []
  const partyKey = req.url.split('?')[0].split('/').slice(2, 5).join('/')
  const destination = req.headers['fspiop-destination'] ||
    (resource === '/parties' ? parties.get(partyKey) || process.env.PARTY_DFSP : null)
  if (!type || !destination) return
  const answer = await send(admin, 'GET', '/participants/' + encodeURIComponent(destination) + '/endpoints',
    { authorization: 'Bearer ' + operator })
  const endpoint = answer.status === 200 && JSON.parse(answer.body).find(e => e.type === type)
  if (!endpoint) {
    console.error(`proxy: ${destination} has no ${type} endpoint for ${req.method} ${req.url}`)
    return
  }
  let url
  if (resource === '/quotes') {
    url = new URL(endpoint.value.replace(/\/$/, '') + (fixedPath || req.url))
  } else {
    const [, , idType, id, subId] = req.url.split('?')[0].split('/')
    url = new URL(endpoint.value.replace('{{partyIdType}}', idType).replace('{{partyIdentifier}}', id)
      .replace('{{partySubIdOrType}}', subId || '') + (req.url.endsWith('/error') ? '/error' : ''))
  }
  const headers = { ...req.headers, host: url.host }
  delete headers.authorization
  const forwarded = await send(url, req.method, url.pathname + url.search, headers, body)
  if (forwarded.status >= 300) {
    console.error(`proxy: ${req.method} ${req.url} to ${destination} at ${url} answered ${forwarded.status}: ${forwarded.body}`)
  }
}

serve(adminPort, admin, async () => operator)
http.createServer((req, res) => {
  const resource = '/' + req.url.split('/')[1].split('?')[0]
  const registration = resource === '/participants' && req.method === 'POST' && req.url.split('/').length >= 4
  if (resource !== '/quotes' && resource !== '/parties' && !registration) return fspiop.emit('request', req, res)
  const chunks = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    if (registration) { // the oracle's part of the account lookup service: which DFSP holds a party
      try {
        parties.set(req.url.split('?')[0].split('/').slice(2, 5).join('/'), JSON.parse(Buffer.concat(chunks)).fspId)
        res.writeHead(202)
      } catch (e) {
        res.writeHead(400)
      }
      return res.end()
    }
    res.writeHead(req.method === 'PUT' ? 200 : 202)
    res.end()
    forward(req, Buffer.concat(chunks)).catch(e => console.error('proxy: ' + e.message))
  })
}).listen(fspiopPort, '127.0.0.1')
console.log(`proxy: admin on 127.0.0.1:${adminPort} -> ${admin}, FSPIOP on 127.0.0.1:${fspiopPort} -> ${transfers}`)
