package org.traindeeploy.ir;

/** Element types the IR models, with their ONNX {@code TensorProto.DataType} codes. */
public enum DType {
    FLOAT(1, 4, "float"),
    DOUBLE(11, 8, "double"),
    INT64(7, 8, "int64_t"),
    INT32(6, 4, "int32_t"),
    BOOL(9, 1, "uint8_t");

    private final int onnxCode;
    private final int bytes;
    private final String cType;

    DType(int onnxCode, int bytes, String cType) {
        this.onnxCode = onnxCode;
        this.bytes = bytes;
        this.cType = cType;
    }

    public int onnxCode() { return onnxCode; }

    public int bytes() { return bytes; }

    public String cType() { return cType; }

    public boolean isFloat() { return this == FLOAT || this == DOUBLE; }

    public String text() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The dtype for an ONNX code, or null when the IR does not model it. */
    public static DType fromOnnx(int code) {
        for (DType d : values()) {
            if (d.onnxCode == code) return d;
        }
        return null;
    }
}
