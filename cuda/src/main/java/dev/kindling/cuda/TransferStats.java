package dev.kindling.cuda;

/**
 * Copies between host and device since the last {@link Cuda#resetTransferStats()}: tests use them to
 * prove an op ran on the device without a round trip through the host.
 */
public record TransferStats(long hostToDeviceCopies, long hostToDeviceBytes, long deviceToHostCopies, long deviceToHostBytes) {
    @Override
    public String toString() {
        return String.format("host->device %d copies (%d bytes), device->host %d copies (%d bytes)", hostToDeviceCopies,
                hostToDeviceBytes, deviceToHostCopies, deviceToHostBytes);
    }
}
