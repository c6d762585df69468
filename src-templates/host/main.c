/*
 * main.c - host harness of a generated network (traindeeploy). Reads batches from raw files,
 * runs training steps (or the forward pass) and writes what they produced. File format: raw
 * little-endian arrays without header (docs/codegen.md, "Harness files"):
 *
 *   DATA_DIR/input_K.bin   network_input_t[NETWORK_INPUT_SIZE]  batch K (K = 0, 1, ...)
 *   DATA_DIR/label_K.bin   network_label_t[NETWORK_LABEL_SIZE]  (absent when NETWORK_LABEL_SIZE is 0)
 *
 * Step s (0-based) uses batch s mod (number of batches found). Outputs in OUT_DIR:
 *
 *   loss.txt               one loss per step, "%.9g" (exact for float32)
 *   grad_I_S.bin           gradient of trained tensor I at step S   (--grads)
 *   param_I_S.bin          tensor I after the update of step S      (--params-every-step)
 *   param_I.bin            tensor I after the last step
 *   output_K.bin           forward output for input_K               (--infer)
 *
 * Usage: harness DATA_DIR STEPS OUT_DIR [--grads] [--params-every-step] [--infer] [--quiet]
 * Exit codes: 0 done, 1 usage, 2 file error, 3 invalid data (label or index out of range).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "td_runtime.h"

#define PATH_CAP 4096

static int path_of(char *buf, const char *dir, const char *name, int a, int b) {
    int n;
    if (a < 0) n = snprintf(buf, PATH_CAP, "%s/%s.bin", dir, name);
    else if (b < 0) n = snprintf(buf, PATH_CAP, "%s/%s_%d.bin", dir, name, a);
    else n = snprintf(buf, PATH_CAP, "%s/%s_%d_%d.bin", dir, name, a, b);
    if (n < 0 || n >= PATH_CAP) {
        fprintf(stderr, "harness: path too long under %s\n", dir);
        return 0;
    }
    return 1;
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
    return 1;
}

/* Read exactly `bytes` bytes (the file must have that size). */
static int read_exact(const char *path, void *dst, size_t bytes) {
    FILE *f = fopen(path, "rb");
    size_t got;
    int extra;
    if (f == NULL) {
        fprintf(stderr, "harness: cannot open %s\n", path);
        return 0;
    }
    got = bytes == 0 ? 0 : fread(dst, 1, bytes, f);
    extra = fgetc(f);
    fclose(f);
    if (got != bytes || extra != EOF) {
        fprintf(stderr, "harness: %s must hold exactly %lu bytes\n", path, (unsigned long)bytes);
        return 0;
    }
    return 1;
}

static int write_all(const char *path, const void *src, size_t bytes) {
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL) {
        fprintf(stderr, "harness: cannot create %s\n", path);
        return 0;
    }
    ok = (bytes == 0 || fwrite(src, 1, bytes, f) == bytes);
    ok = (fclose(f) == 0) && ok;
    if (!ok) fprintf(stderr, "harness: cannot write %s\n", path);
    return ok;
}

static int usage(void) {
    fprintf(stderr, "usage: harness DATA_DIR STEPS OUT_DIR [--grads] [--params-every-step] [--infer] [--quiet]\n");
    return 1;
}

/* OUT_DIR/dma.txt: bytes moved between memory levels over the whole run (see td_dma_counters). */
static int write_dma_counters(const char *out, int steps, int quiet) {
    char path[PATH_CAP];
    FILE *f;
    td_dma_stats c = td_dma_counters();
    int n = snprintf(path, PATH_CAP, "%s/dma.txt", out);
    if (n < 0 || n >= PATH_CAP || (f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "harness: cannot create %s/dma.txt\n", out);
        return 0;
    }
    fprintf(f, "steps %d\nL2->L1 %llu\nL1->L2 %llu\nL3->L2 %llu\nL2->L3 %llu\nL3->L1 %llu\nL1->L3 %llu\ntransfers %llu\n", steps,
            (unsigned long long)c.l2_to_l1, (unsigned long long)c.l1_to_l2, (unsigned long long)c.l3_to_l2, (unsigned long long)c.l2_to_l3,
            (unsigned long long)c.l3_to_l1, (unsigned long long)c.l1_to_l3, (unsigned long long)c.transfers);
    if (fclose(f) != 0) return 0;
    if (!quiet && (c.l2_to_l1 | c.l1_to_l2 | c.l3_to_l1 | c.l1_to_l3 | c.l3_to_l2 | c.l2_to_l3) != 0) {
        printf("DMA over %d step(s): L2->L1 %llu B, L1->L2 %llu B, L3->L1 %llu B, L1->L3 %llu B\n", steps, (unsigned long long)c.l2_to_l1,
               (unsigned long long)c.l1_to_l2, (unsigned long long)c.l3_to_l1, (unsigned long long)c.l1_to_l3);
    }
    return 1;
}

int main(int argc, char **argv) {
    static network_input_t input[NETWORK_INPUT_SIZE > 0 ? NETWORK_INPUT_SIZE : 1];
    static float output[NETWORK_OUTPUT_SIZE > 0 ? NETWORK_OUTPUT_SIZE : 1];
    char path[PATH_CAP];
    const char *data, *out;
    int steps, batches, s, i;
    int grads = 0, every = 0, infer = 0, quiet = 0;
    unsigned one = 1;
    char *end;
    if (argc < 4) return usage();
    data = argv[1];
    out = argv[3];
    steps = (int)strtol(argv[2], &end, 10);
    if (*end != '\0' || steps < 0) return usage();
    for (i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--grads") == 0) grads = 1;
        else if (strcmp(argv[i], "--params-every-step") == 0) every = 1;
        else if (strcmp(argv[i], "--infer") == 0) infer = 1;
        else if (strcmp(argv[i], "--quiet") == 0) quiet = 1;
        else return usage();
    }
    (void)grads;
    (void)every;
    (void)quiet;
    if (*(unsigned char *)&one != 1) {
        fprintf(stderr, "harness: the file format is little-endian and this machine is not\n");
        return 2;
    }
    for (batches = 0;; batches++) {
        if (!path_of(path, data, "input", batches, -1)) return 2;
        if (!file_exists(path)) break;
    }
    if (batches == 0) {
        fprintf(stderr, "harness: no %s/input_0.bin\n", data);
        return 2;
    }
    network_init();
    if (infer || !NETWORK_HAS_TRAINING) {
        for (s = 0; s < steps && s < batches; s++) {
            int err;
            if (!path_of(path, data, "input", s, -1) || !read_exact(path, input, sizeof input)) return 2;
            err = network_infer(input, output);
            if (err != 0) {
                fprintf(stderr, "harness: input %d: invalid data (error %d)\n", s, err);
                return 3;
            }
            if (!path_of(path, out, "output", s, -1) || !write_all(path, output, sizeof(float) * NETWORK_OUTPUT_SIZE)) return 2;
        }
        return write_dma_counters(out, steps < batches ? steps : batches, quiet) ? 0 : 2;
    }
#if NETWORK_HAS_TRAINING
    {
        static network_label_t labels[NETWORK_LABEL_SIZE > 0 ? NETWORK_LABEL_SIZE : 1];
        FILE *losses;
        int n = snprintf(path, PATH_CAP, "%s/loss.txt", out);
        if (n < 0 || n >= PATH_CAP || (losses = fopen(path, "w")) == NULL) {
            fprintf(stderr, "harness: cannot create %s/loss.txt\n", out);
            return 2;
        }
        double recent[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (s = 0; s < steps; s++) {
            int k = s % batches, err, t, w;
            double mean = 0;
            float loss = 0.0f;
            if (!path_of(path, data, "input", k, -1) || !read_exact(path, input, sizeof(network_input_t) * NETWORK_INPUT_SIZE) ||
                (NETWORK_LABEL_SIZE > 0 &&
                 (!path_of(path, data, "label", k, -1) || !read_exact(path, labels, sizeof(network_label_t) * NETWORK_LABEL_SIZE)))) {
                fclose(losses);
                return 2;
            }
            err = network_train_step(input, labels, &loss);
            if (err != 0) {
                fprintf(stderr, "harness: step %d (batch %d): invalid data (error %d)\n", s, k, err);
                fclose(losses);
                return 3;
            }
            fprintf(losses, "%.9g\n", (double)loss);
            fflush(losses);
            recent[s % 8] = loss;
            for (w = 0; w < 8 && w <= s; w++) mean += recent[w];
            mean /= (s < 8 ? s + 1 : 8);
            if (!quiet) {
                printf("step %4d  loss %.6f  mean of last %d %.6f\n", s + 1, (double)loss, s < 8 ? s + 1 : 8, mean);
                fflush(stdout);
            }
            for (t = 0; t < NETWORK_NUM_TRAINED; t++) {
                size_t bytes = sizeof(float) * (size_t)network_param_size(t);
                if (grads && network_grad(t) == NULL) {
                    fprintf(stderr, "harness: --grads needs a build that keeps the gradients (compile --keep-gradients)\n");
                    fclose(losses);
                    return 1;
                }
                if (grads && (!path_of(path, out, "grad", t, s) || !write_all(path, network_grad(t), bytes))) return 2;
                if (every && (!path_of(path, out, "param", t, s) || !write_all(path, network_param(t), bytes))) return 2;
            }
        }
        if (fclose(losses) != 0) return 2;
        if (!write_dma_counters(out, steps, quiet)) return 2;
        for (i = 0; i < NETWORK_NUM_TRAINED; i++) {
            if (!path_of(path, out, "param", i, -1) ||
                !write_all(path, network_param(i), sizeof(float) * (size_t)network_param_size(i))) return 2;
        }
    }
#endif
    return 0;
}
