package dev.kindling.samples;

import dev.kindling.data.DatasetException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a sample by name: {@code java -cp ... dev.kindling.samples.Samples NAME [--option value ...]}; the
 * samples module's {@code -Dsample=NAME} does this after building (see README, "Samples").
 */
public final class Samples {
    private static final Map<String, Consumer<String[]>> SAMPLES = new LinkedHashMap<>();

    static {
        SAMPLES.put("mnist-mlp", MnistMlp::main);
        SAMPLES.put("mnist-cnn", MnistCnn::main);
        SAMPLES.put("autoencoder", Autoencoder::main);
        SAMPLES.put("char-lstm", CharLstm::main);
        SAMPLES.put("custom-op", CustomOp::main);
        SAMPLES.put("dynamic-net", DynamicNet::main);
        SAMPLES.put("mnist-mlp-kt", MnistMlpKt::main);
        SAMPLES.put("mnist-cnn-kt", MnistCnnKt::main);
    }

    private Samples() {}

    /** The registered names, in the order the usage message lists them. */
    static Set<String> names() { return Collections.unmodifiableSet(SAMPLES.keySet()); }

    public static void main(String[] args) {
        Consumer<String[]> sample = args.length == 0 ? null : SAMPLES.get(args[0]);
        if (sample == null) {
            System.err.println("usage: Samples NAME [--option value ...], NAME one of " + SAMPLES.keySet()
                    + (args.length == 0 ? "" : "; got '" + args[0] + "'"));
            System.exit(2);
        }
        try {
            sample.accept(Arrays.copyOfRange(args, 1, args.length));
        } catch (DatasetException | IllegalArgumentException e) {
            // Missing data or a bad option: the message says what to do; a stack trace would bury it.
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
