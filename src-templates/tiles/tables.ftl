<#-- The tables of a cluster target's program (td_tiled.h), included once by network.c.ftl. -->
<#function ptr s=""><#if s?has_content><#return "(uint8_t *)" + s></#if><#return "NULL"></#function>

/* ---- tile tables: what td_run_tiled / td_whole_load / td_whole_store / td_run_state_copy do ---- */

<#if tables.tiled?has_content>
static td_dma td_tile_rq[2 * TD_TILE_OPS]; /* core 0's DMA requests, two per operand of the running tiled node */
</#if>
<#list tables.tiled as n>

/* ${n.comment} */
static const td_tile_dim ${n.id}_dims[] = {<#list n.dims as d>{${d.count}, ${d.inner}, ${d.size}, ${d.extent}}<#sep>, </#list>};
<#list n.ops as o>
<#if o.axes?has_content>
static const td_tile_axis ${n.id}_ax${o?index}[] = {<#list o.axes as a>{${a.dim}, ${a.coef}, ${a.offset}, ${a.window}, ${a.size}, ${a.stride}u}<#sep>, </#list>};
</#if>
</#list>
<#list n.calls as c>
static const int32_t ${n.id}_p${c?index}[] = {${c.params?join(", ")}};
</#list>
static const td_tile_operand ${n.id}_ops[] = {
<#list n.ops as o>
    {.role = ${o.role}, .region = ${o.region}, .nbuf = ${o.nbuf}, .in_l3 = ${(o.l3??)?then(1, 0)}, .load = ${o.loadFlag}, .store = ${o.storeFlag}, .naxes = ${o.axes?size}, .elem = ${o.elem},
     .run_axis = ${o.runAxis}, .rows_axis = ${o.rowsAxis}, .box = ${o.box}, .run_tail = ${o.runTail}u, .rows_tail = ${o.rowsTail}u, .row_stride = ${o.rowStride}u,
     .period = ${o.period}u, .region_period = ${o.regionPeriod}u, .l1_bytes = ${o.l1Bytes}u,
     .l1 = {<#if o.l1?has_content>${ptr(o.l1[0])}, <#if o.l1?size gt 1>${ptr(o.l1[1])}<#else>NULL</#if><#else>NULL, NULL</#if>}, .l2 = ${ptr(o.l2)}, .l3 = <#if o.l3??>${o.l3}<#else>0u</#if>,
     .axes = <#if o.axes?has_content>${n.id}_ax${o?index}<#else>NULL</#if>}<#sep>,</#sep> /* ${o.name} */
</#list>
};
static const td_tile_call ${n.id}_calls[] = {<#list n.calls as c>{${c.bind}, &${c.args}, ${n.id}_p${c?index}}<#sep>, </#list>};
static const td_tiled_node ${n.id} = {"${n.what}", ${n.tiles}, ${n.dims?size}, ${n.ops?size}, ${n.calls?size}, ${n.id}_dims, ${n.id}_ops, ${n.id}_calls, td_tile_rq};
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
