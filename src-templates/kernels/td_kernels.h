/*
 * td_kernels.h - the kernels of the generated training step, one family per source file.
 *
 * Every kernel is called by all cores inside td_fork with a pointer to its (constant) argument
 * struct, splits its work by td_core_id() so that each output element is computed by exactly
 * one core in a fixed order (results do not depend on the core count), and returns without a
 * final barrier: the generated code places barriers between dependent kernels. Kernels that
 * need a barrier between two internal phases call td_barrier() themselves.
 *
 * The argument structs and the kernels taking them are in td_args.h, generated from the kernel-call
 * records of the code generator (KernelCall.java), which are their one definition; this file holds
 * what the records refer to: the opcodes of the elementwise kernels and the type codes of td_cast.
 *
 * Numerics follow the reference interpreter (org.traindeeploy.ops.*#evaluate): sums accumulate
 * in td_acc, elementwise math is done in td_real (td_math.h: double on the host, float on a target
 * without a double-precision FPU) and rounded to float once per output element. Scalar arguments
 * (alpha, eps, learning rates, bounds) are td_real too.
 */
#ifndef TD_KERNELS_H
#define TD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "td_runtime.h"

/* ---- elementwise.c: opcodes of td_unary, td_unary_grad and td_binary; type codes of td_cast ---- */

typedef enum {
    TD_NEG, TD_EXP, TD_SQRT, TD_ERF, TD_RELU, TD_GELU, TD_GELU_TANH, TD_CLIP,
    /* the Activation family; lo, hi carry alpha, beta (HardSigmoid: alpha x + beta; LeakyRelu: alpha) */
    TD_SIGMOID, TD_TANH, TD_HARD_SIGMOID, TD_HARD_SWISH, TD_LEAKY_RELU
} td_unary_op;

typedef enum {
    TD_RELU_GRAD, TD_GELU_GRAD, TD_GELU_TANH_GRAD, TD_CLIP_GRAD,
    /* saved = y for SIGMOID, TANH; saved = x for the others */
    TD_SIGMOID_GRAD, TD_TANH_GRAD, TD_HARD_SIGMOID_GRAD, TD_HARD_SWISH_GRAD, TD_LEAKY_RELU_GRAD
} td_unary_grad_op;

typedef enum { TD_ADD, TD_SUB, TD_MUL, TD_DIV, TD_POW } td_binary_op;

typedef enum { TD_DT_FLOAT, TD_DT_INT64, TD_DT_INT32, TD_DT_BOOL } td_dtype;

#include "td_args.h"

#endif /* TD_KERNELS_H */
