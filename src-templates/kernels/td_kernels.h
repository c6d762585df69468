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
 * records of the code generator (KernelCall.java), which are their one definition, as are the
 * opcodes of the elementwise kernels (td_unary_op, td_unary_grad_op, td_binary_op) and td_cast's
 * type codes (td_dtype).
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

#include "td_args.h"

#endif /* TD_KERNELS_H */
