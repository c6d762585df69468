static const td_linear_grad_weight_args ${c.id} = {.dw = ${c.dw}, .x = ${c.x}, .dy = ${c.dy}, .rows = ${c.rows}, .k = ${c.k}, .n = ${c.n}, .trans_w = ${c.transW}, .alpha = ${c.alpha}};
