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
 * A small data set in a folder (docs/codegen.md): {@code images.bin}, N samples of the model's
 * per-sample input as raw little-endian float32 (or int64 token ids when the input is int64), and
 * {@code labels.bin}, per sample an int64 class index, or the float32 targets of one sample of the
 * output (regression); no labels file when the loss compares the output with the input
 * (reconstruction). Batches are consecutive samples; the last partial batch is dropped.
 *
 * @param labels the labels of all samples, or null when the step reads none
 */
public record DataSet(Path dir, Tensor images, Tensor labels, int samples) {

    /**
     * Read the folder for inputs of {@code input}'s per-sample type and labels of {@code label}'s
     * per-sample type (null: the step has no labels input). Both types are of one batch.
     */
    public static DataSet read(Path dir, TensorType input, TensorType label) {
        Path imagesFile = dir.resolve("images.bin");
        if (!Files.isRegularFile(imagesFile)) throw new CompileException(dir + ": a data set folder needs images.bin" + (label != null ? " and labels.bin" : "") + " (see docs/codegen.md)");
        int batch = input.dim(0);
        int sample = input.size() / batch;
        DType id = input.dtype();
        long imageBytes = size(imagesFile);
        long perSample = (long) sample * id.bytes();
        if (imageBytes == 0 || imageBytes % perSample != 0) {
            throw new CompileException(imagesFile + ": " + imageBytes + " bytes is not a whole number of samples of " + sample + " " + id.text() + " values");
        }
        int n = (int) (imageBytes / perSample);
        Tensor images = HarnessFiles.read(imagesFile, TensorType.of(id, n, sample));
        Tensor labels = null;
        if (label != null) {
            Path labelsFile = dir.resolve("labels.bin");
            if (!Files.isRegularFile(labelsFile)) throw new CompileException(dir + ": a data set folder needs labels.bin (see docs/codegen.md)");
            int per = label.size() / batch;
            DType ld = label.dtype().isFloat() ? DType.FLOAT : DType.INT64;
            long want = (long) n * per * ld.bytes();
            long have = size(labelsFile);
            if (have != want) {
                throw new CompileException(labelsFile + ": " + have + " bytes, expected " + n + " samples of " + per + " " + ld.text()
                        + (ld == DType.INT64 ? " class index" : " target values") + " (" + want + " bytes)");
            }
            labels = HarnessFiles.read(labelsFile, TensorType.of(ld, n, per));
        }
        return new DataSet(dir, images, labels, n);
    }

    /** The batches of the input's batch size, as tensors of the program's input and label types (label null without labels). */
    public List<Tensor[]> batches(TensorType input, TensorType label) {
        int batch = input.dim(0);
        if (batch > samples) throw new CompileException(dir + " has " + samples + " samples, fewer than one batch of " + batch);
        List<Tensor[]> out = new ArrayList<>();
        for (int b = 0; b + batch <= samples; b += batch) {
            out.add(new Tensor[] {slice(images, b, batch, input), labels == null || label == null ? null : slice(labels, b, batch, label)});
        }
        return out;
    }

    /** Samples [b, b + batch) of t as a tensor of type {@code type} (cast from the file's element type). */
    private static Tensor slice(Tensor t, int b, int batch, TensorType type) {
        int per = t.shape()[1];
        int n = batch * per;
        Tensor r;
        if (t.isReal()) {
            double[] v = new double[n];
            System.arraycopy(t.reals(), b * per, v, 0, n);
            r = Tensor.ofReal(t.dtype(), type.shape(), v);
        } else {
            long[] v = new long[n];
            System.arraycopy(t.ints(), b * per, v, 0, n);
            r = Tensor.ofInt(t.dtype(), type.shape(), v);
        }
        return r.dtype() == type.dtype() ? r : r.cast(type.dtype());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new CompileException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
