package dev.kindling.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small part of JSON that safetensors headers need, read and written without a dependency.
 * Reading is complete JSON (RFC 8259: objects, arrays, strings with every escape, numbers, true, false,
 * null, any whitespace); objects come back as {@link LinkedHashMap}s in file order, integers as
 * {@link Long} (or {@link BigInteger} beyond long), other numbers as {@link BigDecimal}. A duplicate key
 * is an error rather than "last one wins", because in a header it can only mean a corrupt or forged file.
 */
final class Json {
    private final String text;
    private int pos;

    private Json(String text) { this.text = text; }

    /** Thrown with the character position of the problem; callers add the file name. */
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) { super(message); }
    }

    /** Parses one JSON value that may be surrounded by whitespace and nothing else. */
    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWhitespace();
        Object v = p.value();
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("unexpected " + p.describeHere() + " after the JSON value");
        return v;
    }

    private Object value() throws ParseException {
        if (pos >= text.length()) throw error("unexpected end of JSON");
        char c = text.charAt(pos);
        switch (c) {
            case '{': return object();
            case '[': return array();
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected " + describeHere());
        }
    }

    private Map<String, Object> object() throws ParseException {
        Map<String, Object> out = new LinkedHashMap<>();
        pos++; // '{'
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("expected a string key, got " + describeHere());
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value();
            if (out.containsKey(key)) {
                pos = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            out.put(key, v);
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') return out;
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in an object, got " + describeHere());
            }
        }
    }

    private List<Object> array() throws ParseException {
        List<Object> out = new ArrayList<>();
        pos++; // '['
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return out;
        }
        while (true) {
            skipWhitespace();
            out.add(value());
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') return out;
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in an array, got " + describeHere());
            }
        }
    }

    private String string() throws ParseException {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) {
                pos--;
                throw error("control character U+" + String.format("%04X", (int) c) + " inside a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) throw error("unterminated escape");
            char e = text.charAt(pos++);
            switch (e) {
                case '"': sb.append('"'); break;
                case '\\': sb.append('\\'); break;
                case '/': sb.append('/'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u': {
                    // Surrogate pairs arrive as two escapes; appending both UTF-16 units rebuilds the code point.
                    if (pos + 4 > text.length()) throw error("truncated \\u escape");
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(pos + i), 16);
                        if (d < 0) throw error("bad hex digit in \\u escape");
                        code = code * 16 + d;
                    }
                    pos += 4;
                    sb.append((char) code);
                    break;
                }
                default:
                    pos--;
                    throw error("unknown escape \\" + e);
            }
        }
    }

    private Object number() throws ParseException {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') pos++;
        } else {
            throw error("bad number");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("bad number: digits must follow '.'");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!(peek() >= '0' && peek() <= '9')) throw error("bad number: digits must follow the exponent");
            while (peek() >= '0' && peek() <= '9') pos++;
        }
        String s = text.substring(start, pos);
        if (!integral) return new BigDecimal(s);
        BigInteger b = new BigInteger(s);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!text.startsWith(word, pos)) throw error("unexpected " + describeHere());
        pos += word.length();
        return v;
    }

    private void expect(char c) throws ParseException {
        if (peek() != c) throw error("expected '" + c + "', got " + describeHere());
        pos++;
    }

    /** The character at pos, or NUL at the end (never a valid token start, so it fails every check). */
    private char peek() { return pos < text.length() ? text.charAt(pos) : '\0'; }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private String describeHere() {
        if (pos >= text.length()) return "end of JSON";
        char c = text.charAt(pos);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "character U+" + String.format("%04X", (int) c);
    }

    private ParseException error(String what) {
        return new ParseException("corrupt JSON header at character " + pos + ": " + what);
    }

    // ------------------------------------------------------------------ writing

    /** Appends {@code s} as a JSON string, escaping as serde_json does (quote, backslash, control characters). */
    static void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20) out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    else out.append(c);
            }
        }
        out.append('"');
    }
}
