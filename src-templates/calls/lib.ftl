<#-- Helpers shared by the call templates (included once by network.c.ftl). -->
<#-- A C initializer list of ints; C99 has no empty braces, so an empty list is {0}. -->
<#function ints xs><#if xs?size == 0><#return "{0}"></#if><#return "{" + xs?join(", ") + "}"></#function>
<#function bcast v><#return "{.rank = ${v.rank}, .n = ${v.n}, .contiguous = ${v.contiguousFlag}, .shape = ${ints(v.shape)}, .strides = {${ints(v.strides[0])}, ${ints(v.strides[1])}, ${ints(v.strides[2])}}}"></#function>
<#function conv g><#return "{.n = ${g.n}, .c = ${g.c}, .h = ${g.h}, .w = ${g.w}, .m = ${g.m}, .cg = ${g.cg}, .kh = ${g.kh}, .kw = ${g.kw}, .oh = ${g.oh}, .ow = ${g.ow}, .sh = ${g.sh}, .sw = ${g.sw}, .pt = ${g.pt}, .pl = ${g.pl}, .dh = ${g.dh}, .dw = ${g.dw}, .group = ${g.group}}"></#function>
<#function pool g><#return "{.planes = ${g.planes}, .h = ${g.h}, .w = ${g.w}, .oh = ${g.oh}, .ow = ${g.ow}, .kh = ${g.kh}, .kw = ${g.kw}, .sh = ${g.sh}, .sw = ${g.sw}, .pt = ${g.pt}, .pl = ${g.pl}, .pb = ${g.pb}, .pr = ${g.pr}, .dh = ${g.dh}, .dw = ${g.dw}, .count_include_pad = ${g.countIncludePad}}"></#function>
<#function copy c><#return "{.y = ${c.y}, .x = ${c.x}, .elem_size = ${c.elemSize}, .rank = ${c.rank}, .n = ${c.n}, .shape = ${ints(c.shape)}, .y_strides = ${ints(c.yStrides)}, .x_strides = ${ints(c.xStrides)}, .y_offset = ${c.yOffset}, .x_offset = ${c.xOffset}}"></#function>
