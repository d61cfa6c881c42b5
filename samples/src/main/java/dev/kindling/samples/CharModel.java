package dev.kindling.samples;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Embedding;
import dev.kindling.nn.LSTM;
import dev.kindling.nn.Linear;
import dev.kindling.nn.Module;
import dev.kindling.nn.RecurrentOutput;
import dev.kindling.nn.RecurrentState;

/**
 * The character language model of {@link CharLstm}: ids [B, T] -> embedding [B, T, E] -> LSTM [B, T, H]
 * -> linear -> next-character logits [B, T, V]. The LSTM's state is passed in and handed back, so a
 * caller can carry it across slices of a longer text.
 */
final class CharModel extends Module {
    final Embedding embedding;
    final LSTM lstm;
    final Linear decoder;

    CharModel(int vocabSize, int embeddingDim, int hiddenSize) {
        embedding = registerModule("embedding", new Embedding(vocabSize, embeddingDim));
        lstm = registerModule("lstm", new LSTM(embeddingDim, hiddenSize, 1, true));
        decoder = registerModule("decoder", new Linear(hiddenSize, vocabSize));
    }

    /** Logits [B, T, V] and the state after the last step, from ids [B, T] and the state before the first (null: zeros). */
    Step forward(Tensor ids, RecurrentState state) {
        RecurrentOutput out = lstm.forward(embedding.forward(ids), state);
        return new Step(decoder.forward(out.output()), out.state());
    }

    @Override
    public Tensor forward(Tensor ids) { return forward(ids, null).logits(); }

    record Step(Tensor logits, RecurrentState state) {}
}
