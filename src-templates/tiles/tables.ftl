<#-- The tables of a cluster target's program (td_tiled.h), included once by network.c.ftl. -->
<#function ptr s=""><#if s?has_content><#return "(uint8_t *)" + s></#if><#return "NULL"></#function>

/* ---- tile tables: what td_run_tiled / td_whole_load / td_whole_store / td_run_state_copy do ----
 * Arrays shared by nodes of the same shape: dims {count, inner, size, extent}; box axes {dim, coef,
 * offset, window, size, stride}; the tile-dependent fields of a kernel's arguments (td_bind_op: field,
 * kind, add, base, mask, c, at). Operands (td_tile_operand, in field order): role, region, nbuf, in_l3,
 * load, store, naxes, elem, run_axis, rows_axis, box, run_tail, rows_tail, row_stride, period,
 * region_period, l1_bytes, {L1 copies}, L2 home, L3 home, axes.
 */
<#if tables.tiled?has_content>
<#-- The kernels the tiled nodes call (each with its argument struct type), the most calls of one node and its index arrays. -->
<#assign kernels = {}><#assign slots = 1><#assign seqs = 0>
<#list tables.tiled as n><#if n.calls?size gt slots><#assign slots = n.calls?size></#if><#if n.seqLength gt seqs><#assign seqs = n.seqLength></#if><#list n.calls as c><#assign kernels = kernels + {c.function: c.struct}></#list></#list>
<#assign structs = {}><#list kernels?keys as f><#assign structs = structs + {kernels[f]: 1}></#list>
static td_dma td_tile_rq[2 * TD_TILE_OPS]; /* core 0's DMA requests, two per operand of the running tiled node */
typedef union {<#list structs?keys as s> ${s} a${s?index};</#list> } td_tile_args;
static td_tile_args td_tile_slot[${slots}]; /* the running tiled node's argument structs, bound by core 0 for each tile */
<#if seqs gt 0>
static int32_t td_tile_seq[${seqs}]; /* its index arrays */
</#if>
<#list kernels?keys as f>
static void td_k_${f?remove_beginning("td_")}(const void *a) { ${f}((const ${kernels[f]} *)a); }
</#list>
</#if>
<#list tables.dims as a>
static const td_tile_dim ${a.name}[] = {<#list a.rows as d>{${d.count}, ${d.inner}, ${d.size}, ${d.extent}}<#sep>, </#list>};
</#list>
<#list tables.axes as a>
static const td_tile_axis ${a.name}[] = {<#list a.rows as x>{${x.dim}, ${x.coef}, ${x.offset}, ${x.window}, ${x.size}, ${x.stride}u}<#sep>, </#list>};
</#list>
<#list tables.params as a>
static const td_bind_op ${a.name}[] = {<#list a.rows.ops as o>{offsetof(${a.rows.struct}, ${o.field}), TD_BIND_${o.kind}, ${o.addFlag}, ${o.base}, ${o.mask}u, ${o.c}, ${o.at}}<#sep>, </#list>};
</#list>
<#list tables.tiled as n>

/* ${n.comment} */
static const td_tile_operand ${n.id}_ops[] = {
<#list n.ops as o>
    {${o.role}, ${o.region}, ${o.nbuf}, ${(o.l3??)?then(1, 0)}, ${o.loadFlag}, ${o.storeFlag}, ${o.axes?size}, ${o.elem}, ${o.runAxis}, ${o.rowsAxis}, ${o.box}, ${o.runTail}u, ${o.rowsTail}u, ${o.rowStride}u, ${o.period}u, ${o.regionPeriod}u, ${o.l1Bytes}u, {<#if o.l1?has_content>${ptr(o.l1[0])}, <#if o.l1?size gt 1>${ptr(o.l1[1])}<#else>NULL</#if><#else>NULL, NULL</#if>}, ${ptr(o.l2)}, <#if o.l3??>${o.l3}<#else>0u</#if>, <#if o.axesRef??>${o.axesRef}<#else>NULL</#if>}<#sep>,</#sep> /* ${o.name} */
</#list>
};
static const td_tile_call ${n.id}_calls[] = {<#list n.calls as c>{td_k_${c.function?remove_beginning("td_")}, &${c.args}, sizeof(${c.struct}), &td_tile_slot[${c?index}], <#if c.seqLength gt 0>td_tile_seq + ${c.seqAt}<#else>NULL</#if>, ${c.nfixed}, ${c.nops}, <#if c.paramsRef??>${c.paramsRef}<#else>NULL</#if>}<#sep>, </#list>};
static const td_tiled_node ${n.id} = {"${n.what}", ${n.tiles}, ${n.dims?size}, ${n.ops?size}, ${n.calls?size}, ${n.dimsRef}, ${n.id}_ops, ${n.id}_calls, td_tile_rq};
</#list>
<#list tables.whole as w>

<#if w.in?has_content>
static const td_whole_copy ${w.id}_in[] = {<#list w.in as c>{${ptr(c.l1)}, ${ptr(c.l2)}, <#if c.l3??>${c.l3}<#else>0u</#if>, ${c.bytes}u}<#sep>, </#list>};
</#if>
<#if w.out?has_content>
static const td_whole_copy ${w.id}_out[] = {<#list w.out as c>{${ptr(c.l1)}, ${ptr(c.l2)}, <#if c.l3??>${c.l3}<#else>0u</#if>, ${c.bytes}u}<#sep>, </#list>};
</#if>
<#if w.check?has_content>
static const td_l1_span ${w.id}_check[] = {<#list w.check as c>{${c.symbol}, ${c.bytes}u}<#sep>, </#list>};
</#if>
static const td_whole_node ${w.id} = {"${w.what}", ${w.in?size}, ${w.out?size}, ${w.check?size}, <#if w.in?has_content>${w.id}_in<#else>NULL</#if>, <#if w.out?has_content>${w.id}_out<#else>NULL</#if>, <#if w.check?has_content>${w.id}_check<#else>NULL</#if>};
</#list>
<#list tables.stateCopies as c>
static const td_state_copy ${c.id} = {"${c.what}", ${ptr(c.dstL2)}, ${ptr(c.srcL2)}, <#if c.dstL3??>${c.dstL3}<#else>0u</#if>, <#if c.srcL3??>${c.srcL3}<#else>0u</#if>, ${c.bytes}u, ${c.chunk}u};
</#list>
