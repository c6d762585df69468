static const ${c.structType} ${c.id} = {.dw = ${c.dw}, .dy = ${c.dy}, .x = ${c.x}, .g = ${conv(c.g)}};
