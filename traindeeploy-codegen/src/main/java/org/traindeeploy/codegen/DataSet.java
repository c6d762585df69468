package org.traindeeploy.codegen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;

/**
 * A small labelled data set in a folder: {@code images.bin}, N samples of the model's per-sample
 * input shape as raw little-endian float32, and {@code labels.bin}, N class indices as raw
 * little-endian int64 (docs/codegen.md). Batches are consecutive samples; the last partial batch
 * is dropped.
 */
public record DataSet(Path dir, Tensor images, long[] labels) {

    /** Read the folder for samples of {@code sample} elements. */
    public static DataSet read(Path dir, int sample) {
        Path imagesFile = dir.resolve("images.bin");
        Path labelsFile = dir.resolve("labels.bin");
        if (!Files.isRegularFile(imagesFile) || !Files.isRegularFile(labelsFile)) {
            throw new CompileException(dir + ": a data set folder needs images.bin and labels.bin (see docs/codegen.md)");
        }
        long labelBytes = size(labelsFile);
        if (labelBytes == 0 || labelBytes % 8 != 0) throw new CompileException(labelsFile + ": expected int64 labels, has " + labelBytes + " bytes");
        int n = (int) (labelBytes / 8);
        Tensor labels = HarnessFiles.read(labelsFile, TensorType.of(DType.INT64, n));
        long imageBytes = size(imagesFile);
        if (imageBytes != (long) n * sample * 4) {
            throw new CompileException(imagesFile + ": " + imageBytes + " bytes, expected " + n + " samples of " + sample + " float32 values");
        }
        Tensor images = HarnessFiles.read(imagesFile, TensorType.of(DType.FLOAT, n, sample));
        return new DataSet(dir, images, labels.ints());
    }

    public int samples() { return labels.length; }

    /** The batches of {@code batch} samples, as tensors of the program's input and label types. */
    public List<Tensor[]> batches(TensorType input, TensorType label) {
        int batch = input.dim(0);
        if (batch > samples()) throw new CompileException(dir + " has " + samples() + " samples, fewer than one batch of " + batch);
        int sample = input.size() / batch;
        List<Tensor[]> out = new ArrayList<>();
        double[] all = images.reals();
        for (int b = 0; b + batch <= samples(); b += batch) {
            double[] x = new double[input.size()];
            System.arraycopy(all, b * sample, x, 0, x.length);
            long[] y = new long[batch];
            System.arraycopy(labels, b, y, 0, batch);
            Tensor lt = Tensor.ofInt(DType.INT64, label.shape(), y);
            out.add(new Tensor[] {Tensor.ofReal(DType.FLOAT, input.shape(), x), label.dtype() == DType.INT64 ? lt : lt.cast(label.dtype())});
        }
        return out;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new CompileException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
