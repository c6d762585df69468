static const ${c.structType} ${c.id} = {.dw = ${c.dw}, .x = ${c.x}, .dy = ${c.dy}, .rows = ${c.rows}, .k = ${c.k}, .n = ${c.n}, .trans_w = ${c.transW}, .alpha = ${c.alpha}};
