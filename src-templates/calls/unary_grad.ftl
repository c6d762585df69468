static const td_unary_grad_args ${c.id} = {.dx = ${c.dx}, .dy = ${c.dy}, .saved = ${c.saved}, .n = ${c.n}, .op = ${c.op}, .lo = ${c.lo}, .hi = ${c.hi}};
