'use strict';

/*
 * A payer DFSP and a payee DFSP that talk to the Mizani gateway only through Mojaloop's FSPIOP client
 * library (@mojaloop/sdk-standard-components): MojaloopRequests sends every request with the headers the
 * library chooses, and the ILP v1 helpers make the packet, the condition and the fulfilment, so the
 * gateway is checked against code this project did not write.
 *
 * Both DFSPs sign every request with a body (JWS, the library's JwsSigner) and check the signature of every
 * callback they receive with the library's JwsValidator: the payer's and payee's keys for what the hub forwards,
 * the hub's key for what the hub says itself. The hub verifies what they send.
 *
 * Protocol with the JUnit test that runs it (hub SdkCompatibilityTest):
 *   stdin  MIZANI_COMPAT_CONFIG in the environment: {"hub":"127.0.0.1:port","hubName":"Hub","hubPublicKey":pem,
 *          "payer":{name,credential,signingKey,publicKey},"payee":{...},"currency":"USD"}
 *   stdout "LISTENING <payerPort> <payeePort>" once both callback servers are up; the test registers them
 *          as the DFSPs' endpoints and writes one line to stdin to start; then one line per scenario,
 *          "PASS <name>" or "FAIL <name> <why>", and "DONE <passed> <failed>".
 */
const http = require('node:http');
const crypto = require('node:crypto');
const readline = require('node:readline');
const { MojaloopRequests, Ilp, Logger, Jws } = require('@mojaloop/sdk-standard-components');

const config = JSON.parse(process.env.MIZANI_COMPAT_CONFIG);
const TIMEOUT_MS = 20000;
const logger = Logger.loggerFactory({ context: { app: 'mizani-sdk-compat' } });
const ilp = Ilp.ilpFactory(Ilp.ILP_VERSIONS.v1, { secret: 'mizani-compat-payee-secret', logger });
const validator = new Jws.validator({
    logger,
    validationKeys: {
        [config.payer.name]: config.payer.publicKey,
        [config.payee.name]: config.payee.publicKey,
        [config.hubName]: config.hubPublicKey,
    },
});

/** Whether a received callback's FSPIOP-Signature verifies, as a Mojaloop DFSP would check it; else why not. */
function signatureOf(headers, body) {
    if (!headers['fspiop-signature']) {
        return 'unsigned';
    }
    try {
        validator.validate({ headers, body });
        return 'valid';
    } catch (err) {
        return `invalid: ${err.message}`;
    }
}

/** One DFSP's callback server: every request it receives, and waiters for the ones still to come. */
function callbackServer() {
    const received = [];
    const waiters = [];
    const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk) => { body += chunk; });
        req.on('end', () => {
            const parsed = body ? JSON.parse(body) : null;
            const r = { method: req.method, path: req.url, headers: req.headers, body: parsed,
                signature: parsed ? signatureOf(req.headers, parsed) : 'no body' };
            received.push(r);
            res.writeHead(200);
            res.end();
            for (const w of waiters.slice()) {
                if (w.match(r)) {
                    waiters.splice(waiters.indexOf(w), 1);
                    clearTimeout(w.timer);
                    w.resolve(r);
                }
            }
        });
    });
    /** The first request matching, among those from the {@code from}-th received on. */
    const next = (what, match, from = 0) => {
        const already = received.slice(from).find(match);
        if (already) {
            return Promise.resolve(already);
        }
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
            waiters.push({ match, resolve, timer });
        });
    };
    return { server, next, count: () => received.length };
}

function requests(dfsp) {
    return new MojaloopRequests({
        logger,
        dfspId: dfsp.name,
        peerEndpoint: config.hub,
        tls: { enabled: false },
        jwsSign: true,
        jwsSigningKey: dfsp.signingKey,
        // FSPIOP v1.1 for the transfers resource (the library's default is 1.0, which the gateway accepts too)
        resourceVersions: { transfers: { contentVersion: '1.1', acceptVersion: '1' } },
        retryConfig: { retries: 0 },
    });
}

const bearer = (dfsp) => ({ Authorization: `Bearer ${dfsp.credential}` });

/** The ILP terms the payee would have returned with its quote, made by the library from a quote request. */
function quotedTerms(amount) {
    const party = (fspId, msisdn) => ({ partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: msisdn, fspId } });
    const quoteRequest = {
        quoteId: crypto.randomUUID(),
        transactionId: crypto.randomUUID(),
        payer: party(config.payer.name, '255700000001'),
        payee: party(config.payee.name, '255700000002'),
        amountType: 'SEND',
        amount: { amount, currency: config.currency },
        transactionType: { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' },
    };
    const quoteResponse = {
        transferAmount: { amount, currency: config.currency },
        expiration: new Date(Date.now() + 60000).toISOString(),
    };
    return ilp.getQuoteResponseIlp(quoteRequest, quoteResponse);
}

function check(condition, why) {
    if (!condition) {
        throw new Error(why);
    }
}

async function main() {
    const payer = callbackServer();
    const payee = callbackServer();
    await Promise.all([payer, payee].map((s) => new Promise((r) => s.server.listen(0, '127.0.0.1', r))));
    process.stdout.write(`LISTENING ${payer.server.address().port} ${payee.server.address().port}\n`);
    await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));

    const asPayer = requests(config.payer);
    const asPayee = requests(config.payee);
    const isFor = (id, method, suffix = '') => (r) => r.method === method && r.path === `/transfers/${id}${suffix}`;

    /** The payer prepares; the payee receives the forwarded prepare and checks it with the ILP helpers. */
    async function prepared(amount) {
        const terms = quotedTerms(amount);
        const transferId = crypto.randomUUID();
        const prepare = {
            transferId,
            payerFsp: config.payer.name,
            payeeFsp: config.payee.name,
            amount: { amount, currency: config.currency },
            ilpPacket: terms.ilpPacket,
            condition: terms.condition,
            expiration: new Date(Date.now() + 60000).toISOString(),
        };
        await asPayer.postTransfers(prepare, config.payee.name, bearer(config.payer));
        const forwarded = await payee.next('forwarded prepare', (r) => r.method === 'POST' && r.path === '/transfers'
            && r.body && r.body.transferId === transferId);
        check(forwarded.headers['fspiop-source'] === config.payer.name, `forwarded prepare from ${forwarded.headers['fspiop-source']}`);
        check(forwarded.signature === 'valid', `the payer's signature on the forwarded prepare: ${forwarded.signature}`);
        check(forwarded.headers['fspiop-destination'] === config.payee.name, 'forwarded prepare not addressed to the payee');
        check(/^application\/vnd\.interoperability\.transfers\+json;version=1\.[01]$/.test(forwarded.headers['content-type']),
            `forwarded prepare has content-type ${forwarded.headers['content-type']}`);
        check(ilp.validateIlpAgainstTransferRequest(forwarded.body), 'the forwarded ILP packet does not match the transfer');
        const fulfilment = ilp.calculateFulfil(forwarded.body.ilpPacket);
        check(ilp.validateFulfil(fulfilment, forwarded.body.condition), 'the payee cannot fulfil the forwarded condition');
        return { transferId, condition: terms.condition, fulfilment };
    }

    const scenarios = {
        async preparedFulfilledAndCommittedToThePayer() {
            const t = await prepared('10.25');
            await asPayee.putTransfers(t.transferId, {
                fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED',
            }, config.payer.name, bearer(config.payee));
            const committed = await payer.next('commit callback', isFor(t.transferId, 'PUT'));
            check(committed.body.transferState === 'COMMITTED', `payer told ${JSON.stringify(committed.body)}`);
            check(ilp.validateFulfil(committed.body.fulfilment, t.condition), 'the payer cannot validate the fulfilment it got');
            check(committed.headers['fspiop-source'] === config.payee.name, `commit from ${committed.headers['fspiop-source']}`);
            check(committed.signature === 'valid', `the payee's signature on the commit: ${committed.signature}`);
        },
        async reservedFulfilTellsThePayeeByPatch() {
            const t = await prepared('3');
            await asPayee.putTransfers(t.transferId, {
                fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'RESERVED',
            }, config.payer.name, bearer(config.payee));
            const told = await payee.next('PATCH to the payee', isFor(t.transferId, 'PATCH'));
            check(told.body.transferState === 'COMMITTED', `payee told ${JSON.stringify(told.body)}`);
            check(told.signature === 'valid', `the hub's signature on the PATCH: ${told.signature}`);
            const committed = await payer.next('commit callback', isFor(t.transferId, 'PUT'));
            check(committed.signature === 'valid', `the hub's signature on the commit: ${committed.signature}`);
        },
        async payeeRejectReachesThePayerWithItsCode() {
            const t = await prepared('1.5');
            await asPayee.putTransfersError(t.transferId, {
                errorInformation: { errorCode: '5104', errorDescription: 'Transaction request rejected' },
            }, config.payer.name, bearer(config.payee));
            const rejected = await payer.next('error callback', isFor(t.transferId, 'PUT', '/error'));
            check(rejected.body.errorInformation.errorCode === '5104', `payer told ${JSON.stringify(rejected.body)}`);
            check(rejected.headers['fspiop-source'] === config.payee.name, `rejection from ${rejected.headers['fspiop-source']}`);
            check(rejected.signature === 'valid', `the payee's signature on the rejection: ${rejected.signature}`);
        },
        async aPrepareWhoseBodyWasChangedAfterSigningIsRefusedWith3105() {
            const terms = quotedTerms('1');
            const signedBody = {
                transferId: crypto.randomUUID(), payerFsp: config.payer.name, payeeFsp: config.payee.name,
                amount: { amount: '1', currency: config.currency }, ilpPacket: terms.ilpPacket,
                condition: terms.condition, expiration: new Date(Date.now() + 60000).toISOString(),
            };
            const headers = {
                'content-type': 'application/vnd.interoperability.transfers+json;version=1.1',
                accept: 'application/vnd.interoperability.transfers+json;version=1',
                date: new Date().toUTCString(), 'fspiop-source': config.payer.name,
                'fspiop-destination': config.payee.name, authorization: `Bearer ${config.payer.credential}`,
            };
            const options = { method: 'POST', uri: `http://${config.hub}/transfers`, headers, body: signedBody };
            new Jws.signer({ logger, signingKey: config.payer.signingKey }).sign(options);
            const changed = options.body.replace('"amount":"1"', '"amount":"100"');
            const [host, port] = config.hub.split(':');
            const answer = await new Promise((resolve, reject) => {
                const req = http.request({ host, port, method: 'POST', path: '/transfers', headers }, (res) => {
                    let text = '';
                    res.on('data', (c) => { text += c; });
                    res.on('end', () => resolve({ status: res.statusCode, body: text }));
                });
                req.on('error', reject);
                req.end(changed);
            });
            check(answer.status === 400, `status ${answer.status}`);
            check(JSON.parse(answer.body).errorInformation.errorCode === '3105', `body ${answer.body}`);
        },
        async getTransfersAnswersWithTheCommittedState() {
            const t = await prepared('2');
            await asPayee.putTransfers(t.transferId, {
                fulfilment: t.fulfilment, completedTimestamp: new Date().toISOString(), transferState: 'COMMITTED',
            }, config.payer.name, bearer(config.payee));
            await payer.next('commit callback', isFor(t.transferId, 'PUT'));
            // the read store follows the events; ask until it has the commit
            for (let attempt = 0; ; attempt++) {
                const seen = payer.count();
                await asPayer.getTransfers(t.transferId, config.payee.name, bearer(config.payer));
                const answer = await payer.next('GET answer', (r) => r.method === 'PUT'
                    && r.path.startsWith(`/transfers/${t.transferId}`), seen);
                check(answer.signature === 'valid', `the hub's signature on the GET answer: ${answer.signature}`);
                if (answer.body.transferState === 'COMMITTED' && answer.body.fulfilment === t.fulfilment) {
                    return;
                }
                check(attempt < 20, `GET keeps answering ${JSON.stringify(answer.body)}`);
                await new Promise((r) => setTimeout(r, 200));
            }
        },
        async anInvalidAmountIsRefusedSynchronouslyWith3100() {
            const terms = quotedTerms('1');
            try {
                await asPayer.postTransfers({
                    transferId: crypto.randomUUID(), payerFsp: config.payer.name, payeeFsp: config.payee.name,
                    amount: { amount: '1.50', currency: config.currency }, ilpPacket: terms.ilpPacket,
                    condition: terms.condition, expiration: new Date(Date.now() + 60000).toISOString(),
                }, config.payee.name, bearer(config.payer));
            } catch (err) {
                const status = err.status || err.statusCode;
                const data = err.response && err.response.data;
                const body = typeof data === 'string' ? JSON.parse(data) : (Buffer.isBuffer(data) ? JSON.parse(data.toString()) : data);
                check(status === 400, `status ${status}`);
                check(body && body.errorInformation && body.errorInformation.errorCode === '3100', `body ${JSON.stringify(body)}`);
                return;
            }
            throw new Error('the gateway accepted an amount with a trailing zero');
        },
        async anotherDfspsCredentialIsRefused() {
            try {
                await asPayer.getTransfers(crypto.randomUUID(), config.payee.name, bearer(config.payee));
            } catch (err) {
                check((err.status || err.statusCode) === 403, `status ${err.status || err.statusCode}`);
                return;
            }
            throw new Error('the gateway let the payer use the payee\'s credential');
        },
    };

    let passed = 0;
    let failed = 0;
    for (const [name, run] of Object.entries(scenarios)) {
        try {
            await run();
            passed++;
            process.stdout.write(`PASS ${name}\n`);
        } catch (err) {
            failed++;
            process.stdout.write(`FAIL ${name} ${String(err && (err.stack || err.message) || err).replace(/\n/g, ' | ')}\n`);
        }
    }
    process.stdout.write(`DONE ${passed} ${failed}\n`);
    payer.server.close();
    payee.server.close();
    process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
    process.stdout.write(`FAIL setup ${String(err && err.stack || err).replace(/\n/g, ' | ')}\n`);
    process.exit(2);
});
