/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Describing a decoded component: its imports and exports (and the exports of instance types)
 * through the public descriptors, and as WIT text for `2cvm component inspect`.
 */
#include "component/comp_internal.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        tcvm_status_t st_ = (x);                                                                   \
        if (st_ != TCVM_OK) return st_;                                                            \
    } while (0)

/* ---- describing ------------------------------------------------------------------------ */

void tcvm__cext_desc(const tcvm__cext_t *e, tcvm_cextern_desc_t *out)
{
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->name_size = e->name_size;
    switch (e->sort) {
    case TCVM__S_FUNC:
        out->kind = TCVM_CEXTERN_FUNC;
        out->func = e->td.func;
        break;
    case TCVM__S_INSTANCE:
        out->kind = TCVM_CEXTERN_INSTANCE;
        out->instance = e->td.inst;
        break;
    case TCVM__S_COMPONENT:
        out->kind = TCVM_CEXTERN_COMPONENT;
        break;
    case TCVM__S_CORE_MODULE:
        out->kind = TCVM_CEXTERN_MODULE;
        break;
    default:
        out->kind = TCVM_CEXTERN_TYPE;
        if (e->td.kind == TCVM__TD_RESOURCE)
            out->resource = e->td.resource;
        else
            out->type = e->td.val;
        break;
    }
}

size_t tcvm_component_import_count(const tcvm_component_t *k)
{
    return k->import_count;
}
tcvm_status_t tcvm_component_import(const tcvm_component_t *k, size_t index,
                                    tcvm_cextern_desc_t *out)
{
    if (index >= k->import_count) return TCVM_ENOENT;
    tcvm__cext_desc(&k->imports[index], out);
    return TCVM_OK;
}
size_t tcvm_component_export_count(const tcvm_component_t *k)
{
    return k->export_count;
}
tcvm_status_t tcvm_component_export(const tcvm_component_t *k, size_t index,
                                    tcvm_cextern_desc_t *out)
{
    if (index >= k->export_count) return TCVM_ENOENT;
    tcvm__cext_desc(&k->exports[index], out);
    return TCVM_OK;
}
size_t tcvm_cinsttype_export_count(const tcvm_cinsttype_t *it)
{
    return it->count;
}
tcvm_status_t tcvm_cinsttype_export(const tcvm_cinsttype_t *it, size_t index,
                                    tcvm_cextern_desc_t *out)
{
    if (index >= it->count) return TCVM_ENOENT;
    tcvm__cext_desc(&it->exports[index], out);
    return TCVM_OK;
}

static tcvm_status_t wit_items(tcvm_buf_t *b, const char *verb, const tcvm__cext_t *list,
                               uint32_t n, int indent)
{
    for (uint32_t i = 0; i < n; i++) {
        const tcvm__cext_t *e = &list[i];
        TRY(tcvm__buf_printf(b, "%*s%s%s%.*s: ", indent, "", verb, *verb ? " " : "",
                             (int)e->name_size, e->name));
        switch (e->sort) {
        case TCVM__S_FUNC:
            TRY(tcvm__cfunctype_wit(b, e->td.func));
            TRY(tcvm__buf_append(b, ";\n", 2));
            break;
        case TCVM__S_INSTANCE:
            TRY(tcvm__buf_append(b, "interface {\n", 12));
            TRY(wit_items(b, "", e->td.inst->exports, e->td.inst->count, indent + 2));
            TRY(tcvm__buf_printf(b, "%*s}\n", indent, ""));
            break;
        case TCVM__S_TYPE:
            if (e->td.kind == TCVM__TD_RESOURCE) {
                TRY(tcvm__buf_append(b, "resource;\n", 10));
            } else if (e->td.kind == TCVM__TD_VAL) {
                TRY(tcvm__buf_append(b, "type ", 5));
                TRY(tcvm__ctype_wit(b, e->td.val));
                TRY(tcvm__buf_append(b, ";\n", 2));
            } else {
                TRY(tcvm__buf_append(b, "type;\n", 6));
            }
            break;
        case TCVM__S_COMPONENT:
            TRY(tcvm__buf_append(b, "component;\n", 11));
            break;
        default:
            TRY(tcvm__buf_append(b, "core module;\n", 13));
            break;
        }
    }
    return TCVM_OK;
}

char *tcvm_component_to_wit(const tcvm_component_t *k)
{
    tcvm_buf_t b = {0};
    if (tcvm__buf_append(&b, "world root {\n", 13) != TCVM_OK ||
        wit_items(&b, "import", k->imports, k->import_count, 2) != TCVM_OK ||
        wit_items(&b, "export", k->exports, k->export_count, 2) != TCVM_OK ||
        tcvm__buf_append(&b, "}\n", 2) != TCVM_OK) {
        tcvm__buf_free(&b);
        return NULL;
    }
    return tcvm__buf_cstr(&b);
}
