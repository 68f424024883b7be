package dev.mizani.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.PrimitiveIterator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void asksAgainWhenTheKernelHandsOutAPortTheCallerAlreadyHolds() {
        PrimitiveIterator.OfInt kernel = IntStream.of(40001, 40001, 40002, 40003).iterator();

        assertEquals(40003, FreePorts.next(kernel::nextInt, 40001, 40002));
    }

    @Test
    void distinctPortsDifferFromEachOther() {
        int[] ports = FreePorts.distinct(5);

        assertEquals(5, IntStream.of(ports).distinct().count());
    }

    @Test
    void aRealProbeIsABindableLoopbackPortOtherThanTheOneTaken() throws Exception {
        int first = FreePorts.next();
        int second = FreePorts.next(first);

        assertNotEquals(first, second);
        try (var socket = new ServerSocket(second, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(second, socket.getLocalPort());
        }
    }
}
