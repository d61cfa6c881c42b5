package dev.kindling.cuda;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.UnaryOp;
import org.bytedeco.cuda.global.cudart;

import static dev.kindling.cuda.Operand.ctype;

/**
 * copy, fill, unary, binary, scalar, where and clamp as {@code elementwise.cu} kernels. Each op's
 * arithmetic is a C expression matching its Java reference ({@link UnaryOp#apply}, {@link
 * BinaryOp#apply}): floating types compute in their own precision (float32 in float, as the CPU's
 * float kernels and PyTorch do), integers and bools in 64-bit integers, then convert to the
 * output's type the way the CPU backend's Java casts do ({@code from_d}/{@code from_l} in common.cuh).
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void copy(NDArray src, NDArray dst) {
        CudaDevice dev = Operand.device("copy", src, dst);
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous() && src.numel() == dst.numel()) {
            long bytes = src.numel() * src.dtype().itemSize();
            if (bytes == 0) return;
            long from = Operand.readAddress(src), to = Operand.writeAddress(dst);
            dev.makeCurrent();
            Driver.check(cudart.cuMemcpyDtoDAsync(to, from, bytes, dev.stream()), "cuMemcpyDtoDAsync");
            return;
        }
        Operand in = Operand.read(src);
        copyKernel(src.dtype(), dst.dtype()).run(dev, "copy", dst.shapeRef(), new Operand[]{Operand.write(dst), in}, null);
    }

    static Pointwise copyKernel(DType from, DType to) {
        String in = ctype(from), out = ctype(to);
        String value = from == to ? "in[o[1]]"
                : from.isIntegral() && to.isIntegral() ? "from_l<" + out + ">((i64) in[o[1]])"
                : "from_d<" + out + ">((double) in[o[1]])";
        return new Pointwise("copy " + in + "->" + out, 2, ", " + out + "* out, const " + in + "* in", "", "out[o[0]] = " + value + ";");
    }

    static void fill(NDArray dst, double value) {
        CudaDevice dev = Operand.device("fill", dst);
        if (value == 0 && Double.doubleToRawLongBits(value) == 0 && dst.isContiguous()) {
            long bytes = dst.numel() * dst.dtype().itemSize();
            if (bytes == 0) return;
            long to = Operand.writeAddress(dst);
            dev.makeCurrent();
            Driver.check(cudart.cuMemsetD8Async(to, (byte) 0, bytes, dev.stream()), "cuMemsetD8Async");
            return;
        }
        fillKernel(dst.dtype()).run(dev, "fill", dst.shapeRef(), new Operand[]{Operand.write(dst)}, a -> a.f64(value));
    }

    static Pointwise fillKernel(DType dtype) {
        String t = ctype(dtype);
        String v = dtype.isFloatingPoint() || dtype == DType.BOOL ? "from_d<" + t + ">(v)" : "from_l<" + t + ">(from_d<i64>(v))";
        return new Pointwise("fill " + t, 1, ", " + t + "* out", ", double v", "out[o[0]] = " + v + ";");
    }

    /** Zeros a whole storage (its owed zero-fill, see {@link CudaStorage}). */
    static void zero(CudaDevice dev, CudaStorage s) {
        long bytes = (long) s.size() * s.dtype().itemSize();
        if (bytes == 0) return;
        dev.makeCurrent();
        Driver.check(cudart.cuMemsetD8Async(s.address(0), (byte) 0, bytes, dev.stream()), "cuMemsetD8Async");
    }

    static void unary(UnaryOp op, NDArray x, NDArray out) {
        CudaDevice dev = Operand.device(op.opName(), x, out);
        Operand in = Operand.read(x);
        unaryKernel(op, x.dtype(), out.dtype()).run(dev, op.opName(), out.shapeRef(), new Operand[]{Operand.write(out), in}, null);
    }

    static Pointwise unaryKernel(UnaryOp op, DType t, DType outType) {
        String in = ctype(t), o = ctype(outType);
        String body = t.isFloatingPoint()
                ? in + " x = in[o[1]]; out[o[0]] = (" + o + ") (" + floatExpr(op, t) + ");"
                : "i64 x = (i64) in[o[1]]; out[o[0]] = from_l<" + o + ">(" + integerExpr(op) + ");";
        return new Pointwise("unary " + op.name() + " " + in + "->" + o, 2, ", " + o + "* out, const " + in + "* in", "", body);
    }

    /** {@code name} of the C math library in the type's precision ({@code expf} for float32). */
    private static String fn(String name, DType t) { return t == DType.FLOAT32 ? name + "f" : name; }

    static String floatExpr(UnaryOp op, DType t) {
        String T = ctype(t);
        switch (op) {
            case NEG: return "-x";
            case ABS: return fn("fabs", t) + "(x)";
            case SIGN: return "k_sign(x)";
            case SQUARE: return "x * x";
            case RELU: return "x > 0 ? x : (x == x ? (" + T + ") 0 : x)";
            case EXP: case EXPM1: case LOG: case LOG1P: case SQRT: case SIN: case COS: case TAN: case TANH: case ERF:
            case FLOOR: case CEIL: case TRUNC:
                return fn(op.opName(), t) + "(x)";
            case ROUND: return fn("rint", t) + "(x)";
            case RSQRT: return "(" + T + ") 1 / " + fn("sqrt", t) + "(x)";
            case RECIPROCAL: return "(" + T + ") 1 / x";
            case SIGMOID: return "k_sigmoid(x)";
            case LOGICAL_NOT: return "x == 0 ? (" + T + ") 1 : (" + T + ") 0";
            default: throw new UnsupportedOperationException("CUDA backend: unary op " + op.opName() + " has no kernel");
        }
    }

    static String integerExpr(UnaryOp op) {
        switch (op) {
            case NEG: return "-x";
            case ABS: return "x < 0 ? -x : x";
            case SIGN: return "k_sign(x)";
            case SQUARE: return "x * x";
            case RELU: return "x > 0 ? x : 0";
            case FLOOR: case CEIL: case ROUND: case TRUNC: return "x";
            case LOGICAL_NOT: return "x == 0 ? 1 : 0";
            default: throw new UnsupportedOperationException(op.opName() + " on integers");
        }
    }

    static void binary(BinaryOp op, NDArray a, NDArray b, NDArray out) {
        CudaDevice dev = Operand.device(op.opName(), a, b, out);
        Operand x = Operand.read(a), y = Operand.read(b);
        binaryKernel(op, a.dtype(), out.dtype()).run(dev, op.opName(), out.shapeRef(), new Operand[]{Operand.write(out), x, y}, null);
    }

    static Pointwise binaryKernel(BinaryOp op, DType t, DType outType) {
        String in = ctype(t), o = ctype(outType);
        String load = t.isFloatingPoint() ? in + " x = a[o[1]], y = b[o[2]]; " : "i64 x = (i64) a[o[1]], y = (i64) b[o[2]]; ";
        return new Pointwise("binary " + op.name() + " " + in + "->" + o, 3, ", " + o + "* out, const " + in + "* a, const " + in + "* b", "",
                load + "out[o[0]] = " + store(outType, binaryExpr(op, t)) + ";");
    }

    static void binaryScalar(BinaryOp op, NDArray a, double s, boolean scalarFirst, NDArray out) {
        CudaDevice dev = Operand.device(op.opName(), a, out);
        Operand x = Operand.read(a);
        scalarKernel(op, a.dtype(), out.dtype(), scalarFirst).run(dev, op.opName(), out.shapeRef(), new Operand[]{Operand.write(out), x},
                args -> args.f64(s));
    }

    static Pointwise scalarKernel(BinaryOp op, DType t, DType outType, boolean scalarFirst) {
        String in = ctype(t), o = ctype(outType);
        String first = scalarFirst ? "y" : "x", second = scalarFirst ? "x" : "y";
        // A float32 compared with a double scalar compares in double, as the CPU does: 0.1 is not 0.1f.
        String ct = op.kind() == BinaryOp.Kind.COMPARISON && t == DType.FLOAT32 ? "double" : in;
        String load = t.isFloatingPoint()
                ? ct + " " + first + " = a[o[1]]; " + ct + " " + second + " = (" + ct + ") s; "
                : "i64 " + first + " = (i64) a[o[1]]; i64 " + second + " = from_d<i64>(s); ";
        return new Pointwise("scalar " + op.name() + (scalarFirst ? " rev " : " ") + in + "->" + o, 2, ", " + o + "* out, const " + in + "* a",
                ", double s", load + "out[o[0]] = " + store(outType, binaryExpr(op, ct.equals("double") ? DType.FLOAT64 : t)) + ";");
    }

    /** The value of expression {@code r} (of the compute type) stored as {@code out}'s type. */
    private static String store(DType out, String r) {
        if (out == DType.BOOL) return "(kbool) ((" + r + ") != 0)";
        if (out.isFloatingPoint()) return "(" + ctype(out) + ") (" + r + ")";
        return "from_l<" + ctype(out) + ">(" + r + ")";
    }

    static String binaryExpr(BinaryOp op, DType t) {
        boolean floating = t.isFloatingPoint();
        switch (op) {
            case ADD: return "x + y";
            case SUB: return "x - y";
            case MUL: return "x * y";
            case DIV: return "x / y";
            case POW: return floating ? fn("pow", t) + "(x, y)" : "k_ipow(x, y)";
            case MAXIMUM: return "k_max(x, y)";
            case MINIMUM: return "k_min(x, y)";
            case REMAINDER: return "k_remainder(x, y)";
            case ATAN2: return fn("atan2", t) + "(x, y)";
            case EQ: return "x == y";
            case NE: return "x != y";
            case LT: return "x < y";
            case LE: return "x <= y";
            case GT: return "x > y";
            case GE: return "x >= y";
            case LOGICAL_AND: return "(x != 0) && (y != 0)";
            case LOGICAL_OR: return "(x != 0) || (y != 0)";
            case LOGICAL_XOR: return "(x != 0) != (y != 0)";
            default: throw new UnsupportedOperationException("CUDA backend: binary op " + op.opName() + " has no kernel");
        }
    }

    static void where(NDArray cond, NDArray a, NDArray b, NDArray out) {
        CudaDevice dev = Operand.device("where", cond, a, b, out);
        Operand c = Operand.read(cond), x = Operand.read(a), y = Operand.read(b);
        whereKernel(out.dtype()).run(dev, "where", out.shapeRef(), new Operand[]{Operand.write(out), c, x, y}, null);
    }

    static Pointwise whereKernel(DType dtype) {
        String t = ctype(dtype);
        return new Pointwise("where " + t, 4, ", " + t + "* out, const kbool* c, const " + t + "* a, const " + t + "* b", "",
                "out[o[0]] = c[o[1]] ? a[o[2]] : b[o[3]];");
    }

    static void clamp(NDArray x, double lo, double hi, NDArray out) {
        CudaDevice dev = Operand.device("clamp", x, out);
        boolean hasLo = !Double.isNaN(lo), hasHi = !Double.isNaN(hi), floating = x.dtype().isFloatingPoint();
        Operand in = Operand.read(x);
        clampKernel(x.dtype()).run(dev, "clamp", out.shapeRef(), new Operand[]{Operand.write(out), in}, args -> {
            args.i32(hasLo ? 1 : 0).i32(hasHi ? 1 : 0);
            if (floating) args.f64(lo).f64(hi);
            else args.i64(hasLo ? (long) Math.ceil(lo) : 0).i64(hasHi ? (long) Math.floor(hi) : 0);
        });
    }

    static Pointwise clampKernel(DType dtype) {
        String t = ctype(dtype);
        if (dtype.isFloatingPoint()) {
            // NaN inputs stay NaN: neither comparison holds for them.
            return new Pointwise("clamp " + t, 2, ", " + t + "* out, const " + t + "* in", ", int has_lo, int has_hi, double lo, double hi",
                    "double v = (double) in[o[1]]; if (has_lo && v < lo) v = lo; if (has_hi && v > hi) v = hi; out[o[0]] = (" + t + ") v;");
        }
        return new Pointwise("clamp " + t, 2, ", " + t + "* out, const " + t + "* in", ", int has_lo, int has_hi, i64 lo, i64 hi",
                "i64 v = (i64) in[o[1]]; if (has_lo && v < lo) v = lo; if (has_hi && v > hi) v = hi; out[o[0]] = from_l<" + t + ">(v);");
    }
}
