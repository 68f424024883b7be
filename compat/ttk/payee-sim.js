// A stand-in for the DFSP simulator a Mojaloop deployment runs as `payeefsp` (mojaloop-simulator behind its SDK
// scheme adapter): the hub collections' rules make the Testing Toolkit answer for its own DFSPs only, and leave
// payeefsp's quotes and transfers to that simulator. This one does what the collections need of it, no more:
//   GET /parties/{Type}/{ID} -> 202, then PUT /parties/{Type}/{ID}: the party, held at this DFSP
//   POST /quotes     -> 202, then PUT /quotes/{quoteId} to the quoting service (the proxy's stand-in): the amount
//                       asked for, an ILP packet, and a condition whose fulfilment it keeps
//   POST /transfers  -> 202, then PUT /transfers/{transferId} to the hub with that fulfilment, COMMITTED
//   anything else    -> 200 (PATCH notifications, GET callbacks, errors)
// A prepare whose condition it did not make is rejected with 5105 (not its quote). Every message it sends is signed
// as a Mojaloop DFSP signs (JWS, RS256, FSPIOP-Signature) with a key made at start. Loopback only.
'use strict'
const http = require('http')
const crypto = require('crypto')

const port = Number(process.env.PAYEE_SIM_PORT)
const name = process.env.PAYEE_SIM_NAME || 'payeefsp'
const fspiop = new URL(process.env.PROXY_FSPIOP_URL)
const fulfilments = new Map() // condition -> fulfilment, from the quotes it answered
const b64url = buffer => buffer.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })

function callback (method, path, request, body) {
  // in the version it speaks, 1.1, whatever the request's (as Mojaloop's SDK scheme adapter answers by default)
  const resource = path.split('/')[1]
  const type = `application/vnd.interoperability.${resource}+json;version=1.1`
  const payload = JSON.stringify(body)
  const headers = { 'content-type': type, date: new Date().toUTCString(), 'fspiop-source': name,
    'fspiop-destination': request.headers['fspiop-source'], 'fspiop-uri': path, 'fspiop-http-method': method }
  const protectedHeader = b64url(Buffer.from(JSON.stringify({ alg: 'RS256', 'FSPIOP-URI': path,
    'FSPIOP-HTTP-Method': method, 'FSPIOP-Source': name, 'FSPIOP-Destination': headers['fspiop-destination'],
    Date: headers.date })))
  const signature = b64url(crypto.sign('sha256', Buffer.from(protectedHeader + '.' + b64url(Buffer.from(payload))), privateKey))
  headers['fspiop-signature'] = JSON.stringify({ signature, protectedHeader })
  headers['content-length'] = Buffer.byteLength(payload)
  const req = http.request({ host: fspiop.hostname, port: fspiop.port, method, path, headers }, res => {
    res.resume()
    if (res.statusCode >= 300) console.error(`payee-sim: ${method} ${path} answered ${res.statusCode}`)
  })
  req.on('error', e => console.error(`payee-sim: ${method} ${path}: ${e.message}`))
  req.end(payload)
}

function quote (request, body) {
  const fulfilment = b64url(crypto.randomBytes(32))
  const condition = b64url(crypto.createHash('sha256').update(Buffer.from(fulfilment, 'base64url')).digest())
  fulfilments.set(condition, fulfilment)
  // an ILP v4 prepare would carry the amount and the condition; the hub only checks that it is base64url
  const ilpPacket = b64url(Buffer.from(JSON.stringify({ quoteId: body.quoteId, transactionId: body.transactionId,
    amount: body.amount })))
  callback('PUT', '/quotes/' + body.quoteId, request, {
    transferAmount: body.amount, payeeReceiveAmount: body.amount,
    expiration: new Date(Date.now() + 60_000).toISOString(), ilpPacket, condition })
}

function party (request) {
  const [, , type, id, subId] = request.url.split('?')[0].split('/')
  callback('PUT', request.url.split('?')[0], request, { party: {
    partyIdInfo: { partyIdType: type, partyIdentifier: id, ...(subId ? { partySubIdOrType: subId } : {}), fspId: name },
    name: 'Mats Hagman', personalInfo: { complexName: { firstName: 'Mats', lastName: 'Hagman' }, dateOfBirth: '1983-10-25' } } })
}

function prepare (request, body) {
  const fulfilment = fulfilments.get(body.condition)
  if (!fulfilment) {
    callback('PUT', `/transfers/${body.transferId}/error`, request,
      { errorInformation: { errorCode: '5105', errorDescription: 'Payee transaction limit reached: not a quote of ours' } })
    return
  }
  callback('PUT', '/transfers/' + body.transferId, request,
    { fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED' })
}

http.createServer((req, res) => {
  const chunks = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    const path = req.url.split('?')[0]
    const handle = req.method === 'POST' && path === '/quotes' ? quote
      : req.method === 'POST' && path === '/transfers' ? prepare
        : req.method === 'GET' && path.startsWith('/parties/') ? party : null
    res.writeHead(handle ? 202 : 200)
    res.end()
    if (!handle) return
    let body
    try {
      body = req.method === 'GET' ? null : JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch (e) {
      console.error(`payee-sim: ${req.method} ${path}: unreadable body`)
      return
    }
    setTimeout(() => handle(req, body), 10)
  })
}).listen(port, '127.0.0.1')
console.log(`payee-sim: ${name} on 127.0.0.1:${port}, calling back through ${fspiop}`)
