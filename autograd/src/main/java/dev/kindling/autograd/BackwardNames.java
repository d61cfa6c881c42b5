package dev.kindling.autograd;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The names PyTorch gives the backward nodes of an enum's ops ("RELU" becomes "ReluBackward"), built once:
 * every recorded call of an op names its node, and building the string there was garbage on each call.
 */
final class BackwardNames {
    private BackwardNames() {}

    static <E extends Enum<E>> Map<E, String> of(Class<E> ops) {
        Map<E, String> names = new EnumMap<>(ops);
        for (E op : ops.getEnumConstants()) {
            String n = op.name().toLowerCase(Locale.ROOT);
            names.put(op, Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Backward");
        }
        return names;
    }
}
