static const ${c.structType} ${c.id} = {.dx = ${c.dx}, .dy = ${c.dy}, .w = ${c.w}, .g = ${conv(c.g)}};
