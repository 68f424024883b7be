// Runs Mojaloop's hub collections (a checkout of mojaloop/testing-toolkit-test-cases) through a running Testing
// Toolkit against Mizani, as one template so that what provisioning stores in the environment reaches the tests, and
// prints pass/fail per test case and each failed assertion. Writes the whole report as JSON too.
//   node run.js <checkout> <report.json> <collection path relative to collections/hub>...
'use strict'
const fs = require('fs')
const path = require('path')
const http = require('http')

const [checkout, reportFile, ...collections] = process.argv.slice(2)
const env = JSON.parse(fs.readFileSync(path.join(checkout, 'environments/hub.json'), 'utf8'))
const inputValues = { ...(env.inputValues || env) }
// where Mizani stands in for Mojaloop's switch services: the admin API for central-ledger, the transfers API for
// ml-api-adapter, both through the credential proxy; the toolkit itself is every DFSP's callback endpoint
Object.assign(inputValues, {
  HOST_CENTRAL_LEDGER: process.env.PROXY_ADMIN_URL,
  HOST_ML_API_ADAPTER: process.env.PROXY_FSPIOP_URL,
  // proxy.js stands in for these two services of Mojaloop's, which a transfers hub does not have
  HOST_QUOTING_SERVICE: process.env.PROXY_FSPIOP_URL,
  HOST_ACCOUNT_LOOKUP_SERVICE: process.env.PROXY_FSPIOP_URL,
  CALLBACK_ENDPOINT_BASE_URL: process.env.TTK_CALLBACK_URL,
  // Mojaloop's simulator DFSPs: payerfsp is played by the toolkit, under the hub collections' rules; payeefsp, which
  // those rules leave to the deployment's simulator, by payee-sim.js
  PAYERFSP_CALLBACK_URL: process.env.TTK_CALLBACK_URL,
  PAYEEFSP_CALLBACK_URL: process.env.PAYEE_SIM_URL,
  HUB_NAME: process.env.HUB_NAME || 'Hub',
  // What a payee received is read, in a Mojaloop deployment, from its simulator's test API over a websocket
  // (PAYEEFSP_SDK_TESTAPI_WS_URL); here the toolkit itself is the payee and there is no such API. With this on, a
  // request that first connects to it is never sent; off, the toolkit skips the assertions it guards.
  ENABLE_WS_ASSERTIONS: false,
  API_TYPE: 'fspiop' // the collections' assertions for FSPIOP (not ISO 20022) messages
})
// The media types Mojaloop's own deployments give the toolkit when they run these collections (the environment its
// infrastructure modules install; the checkout's hub.json still says 1.0 for some and leaves the rest out): each
// resource's current version 1.1, the older 1.0, and 2.0, which version negotiation must refuse.
for (const resource of ['parties', 'participants', 'quotes', 'transfers', 'transactionRequests', 'authorizations']) {
  const name = resource[0].toUpperCase() + resource.slice(1)
  for (const [suffix, version] of [['', '1.1'], ['Old', '1.0'], ['NotSupported', '2.0']]) {
    const type = `application/vnd.interoperability.${resource}+json;version=${version}`
    inputValues['accept' + name + suffix] = type
    inputValues['contentType' + name + suffix] = type
  }
  inputValues['expected' + name + 'Version'] = '1.1'
}
inputValues.accept = inputValues.acceptParties
inputValues.contentType = inputValues.contentTypeParties

const testCases = []
for (const collection of collections) {
  const template = JSON.parse(fs.readFileSync(path.join(checkout, 'collections/hub', collection), 'utf8'))
  for (const testCase of template.test_cases) {
    testCases.push({ ...testCase, id: testCases.length + 1, name: `${collection} :: ${testCase.name}` })
  }
}

// UUIDs for the ids the collections generate: the toolkit, as a DFSP, validates what it receives against FSPIOP's
// UUID pattern, so with its default ULIDs it refuses every quote it is to answer itself. Mizani accepts both; its own
// tests cover ULIDs. TTK_ID_TYPE=ulid keeps the toolkit's default.
const options = { generateIDType: process.env.TTK_ID_TYPE || 'uuid' }
const body = JSON.stringify({ name: 'mizani-compat', options, inputValues, test_cases: testCases })
const req = http.request({ host: '127.0.0.1', port: Number(process.env.TTK_API_PORT || 5050), method: 'POST',
  path: '/api/outbound/template/mizani-' + Date.now() + '?sync=true',
  headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, res => {
  const chunks = []
  res.on('data', c => chunks.push(c))
  res.on('end', () => report(res.statusCode, Buffer.concat(chunks).toString('utf8')))
})
req.on('error', e => { console.error('the Testing Toolkit did not answer: ' + e.message); process.exit(2) })
req.end(body)

function report (status, text) {
  if (status !== 200) {
    console.error(`the Testing Toolkit answered ${status}: ${text.slice(0, 500)}`)
    process.exit(2)
  }
  const result = JSON.parse(text)
  fs.writeFileSync(reportFile, JSON.stringify(result, null, 1))
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const testCase of result.test_cases) {
    const failures = []
    let casePassed = 0
    for (const r of testCase.requests) {
      for (const a of (r.request && r.request.tests && r.request.tests.assertions) || []) {
        const s = a.resultStatus && a.resultStatus.status
        if (s === 'SUCCESS') {
          casePassed++
        } else if (s === 'SKIPPED') {
          skipped++
        } else {
          failures.push(`    FAIL ${r.request.description || r.request.id}: ${a.description}` +
            (a.resultStatus && a.resultStatus.message ? ` (${String(a.resultStatus.message).slice(0, 160)})` : ''))
        }
      }
    }
    passed += casePassed
    failed += failures.length
    console.log(`${failures.length === 0 ? 'PASS' : 'FAIL'} ${testCase.name}: ${casePassed} passed, ${failures.length} failed`)
    failures.forEach(f => console.log(f))
  }
  console.log(`assertions: ${passed} passed, ${failed} failed, ${skipped} skipped by the collections (report: ${reportFile})`)
  process.exit(failed === 0 ? 0 : 1)
}
