package dev.mizani.gateway.callbacks;

import dev.mizani.schemas.transfer.RequestAsReceived;
import dev.mizani.schemas.transfer.TransferAborted;
import dev.mizani.schemas.transfer.TransferCommitted;
import dev.mizani.schemas.transfer.TransferPrepareAccepted;
import dev.mizani.schemas.transfer.TransferReserved;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which FSPIOP content version each party of a transfer speaks, as its requests showed it: the hub's own callbacks
 * to it use that version, so a DFSP on 1.0 gets 1.0 callbacks (a Mojaloop switch answers in the headers of the
 * request that caused the callback). A request's version is the one its Accept names, when it names one (a payer
 * sending 1.1 but accepting 1.0 gets 1.0, as Mojaloop's collections expect), else its Content-Type's. The payer's
 * prepare sets the version for both parties (the payee receives it in that version), the payee's answer then sets
 * the payee's, and a GET sets its asker's. Only parties on 1.0 are remembered (1.1 is what an unknown party gets),
 * so a hub whose DFSPs all speak 1.1 keeps nothing here. Bounded: the oldest are forgotten first.
 */
final class ContentVersions {
    static final String V11 = "application/vnd.interoperability.transfers+json;version=1.1";
    static final String V10 = "application/vnd.interoperability.transfers+json;version=1.0";
    private static final int REMEMBERED_MAX = 100_000;
    private static final Pattern NAMES_A_MINOR_VERSION = Pattern.compile(".*version=1\\.[01]\\b.*");

    /** Transfer and party of each request seen on 1.0, oldest first. */
    private final Map<String, Boolean> onVersion10 = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_MAX;
        }
    };

    /** Learns from a transfer event that carries a DFSP's request as received. */
    synchronized void learn(Object event) {
        switch (event) {
            case TransferPrepareAccepted e -> both(e.getTransferId(), e.getPayerFsp(), e.getPayeeFsp(), e.getAsReceived());
            case TransferReserved e -> both(e.getTransferId(), e.getPayerFsp(), e.getPayeeFsp(), e.getAsReceived());
            case TransferCommitted e -> remember(e.getTransferId(), e.getPayeeFsp(), contentType(e.getAsReceived()));
            case TransferAborted e -> remember(e.getTransferId(), e.getPayeeFsp(), contentType(e.getAsReceived()));
            default -> { }
        }
    }

    /** The version a request of {@code participant} about {@code transferId} showed, by its Content-Type or Accept. */
    synchronized void remember(String transferId, String participant, String contentTypeOrAccept) {
        if (contentTypeOrAccept == null) {
            return;
        }
        boolean v10 = contentTypeOrAccept.contains("version=1.0") && !contentTypeOrAccept.contains("version=1.1");
        if (v10) {
            onVersion10.put(transferId + '\u0000' + participant, Boolean.TRUE);
        } else if (!onVersion10.isEmpty()) {
            onVersion10.remove(transferId + '\u0000' + participant);
        }
    }

    /** The Content-Type of the hub's own callback to {@code participant} about {@code transferId}. */
    synchronized String contentType(String transferId, String participant) {
        if (onVersion10.isEmpty()) {
            return V11;
        }
        return onVersion10.containsKey(transferId + '\u0000' + participant) ? V10 : V11;
    }

    /** How many transfer parties are remembered on 1.0. */
    synchronized int remembered() {
        return onVersion10.size();
    }

    private void both(String transferId, String payer, String payee, RequestAsReceived prepare) {
        String type = contentType(prepare);
        remember(transferId, payer, type);
        remember(transferId, payee, type);
    }

    private static String contentType(RequestAsReceived request) {
        if (request == null) {
            return null;
        }
        String accept = request.getHeaders().get("Accept");
        return accept != null && NAMES_A_MINOR_VERSION.matcher(accept).matches() ? accept : request.getHeaders().get("Content-Type");
    }
}
