/*
 * model-eq.h: structural equality of two models for tests (header-only).
 * model_eq() returns true when equal; otherwise it writes where they first
 * differ into why[] ("graph 'main' node 3 attribute 'axis': ints differ").
 */
#ifndef LADDER_TEST_MODEL_EQ_H
#define LADDER_TEST_MODEL_EQ_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ladder.h"

static char model_eq_why[512];

#define EQ_FAIL(...)                                                           \
	do {                                                                   \
		snprintf(model_eq_why, sizeof model_eq_why, __VA_ARGS__);      \
		return false;                                                  \
	} while (0)

static bool
eq_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool
eq_bytes(const struct ladder_bytes *a, const struct ladder_bytes *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool graph_eq(const struct ladder_graph *a, const struct ladder_graph *b, int depth);

static bool
tensor_eq(const struct ladder_tensor *a, const struct ladder_tensor *b)
{
	if (!eq_str(a->name, b->name))
		EQ_FAIL("tensor names '%s' and '%s'", a->name, b->name);
	if (a->dtype != b->dtype || a->rank != b->rank)
		EQ_FAIL("tensor '%s': dtype or rank", a->name);
	for (int i = 0; i < a->rank; i++) {
		if (a->dims[i] != b->dims[i])
			EQ_FAIL("tensor '%s': dim %d", a->name, i);
	}
	if (!eq_str(a->doc_string, b->doc_string))
		EQ_FAIL("tensor '%s': doc_string", a->name);
	if (a->bytes != b->bytes)
		EQ_FAIL("tensor '%s': %zu vs %zu bytes", a->name, a->bytes, b->bytes);
	if (a->dtype == LADDER_DT_STRING) {
		const struct ladder_bytes *sa = a->data, *sb = b->data;

		for (size_t i = 0; i < a->bytes / sizeof *sa; i++) {
			if (!eq_bytes(&sa[i], &sb[i]))
				EQ_FAIL("tensor '%s': string %zu", a->name, i);
		}
	} else if (a->bytes > 0 && memcmp(a->data, b->data, a->bytes) != 0) {
		EQ_FAIL("tensor '%s': data differs", a->name);
	}
	return true;
}

static bool
type_eq(const struct ladder_type *a, const struct ladder_type *b)
{
	if (a->kind != b->kind || a->dtype != b->dtype || a->rank != b->rank)
		return false;
	if (a->kind == LADDER_TYPE_OTHER)
		return eq_bytes(&a->raw, &b->raw);
	for (int i = 0; i < a->rank; i++) {
		if (a->dims[i].value != b->dims[i].value ||
		    (a->dims[i].value < 0 && !eq_str(a->dims[i].param, b->dims[i].param)))
			return false;
	}
	return true;
}

static bool
value_infos_eq(const struct ladder_value_info *a, size_t na, const struct ladder_value_info *b,
    size_t nb, const char *what)
{
	if (na != nb)
		EQ_FAIL("%s: %zu vs %zu", what, na, nb);
	for (size_t i = 0; i < na; i++) {
		if (!eq_str(a[i].name, b[i].name) || !eq_str(a[i].doc_string, b[i].doc_string))
			EQ_FAIL("%s %zu: name or doc ('%s' vs '%s')", what, i, a[i].name, b[i].name);
		if (!type_eq(&a[i].type, &b[i].type))
			EQ_FAIL("%s '%s': type", what, a[i].name);
	}
	return true;
}

static bool
attr_eq(const struct ladder_attr *a, const struct ladder_attr *b, int depth)
{
	if (!eq_str(a->name, b->name) || a->type != b->type)
		EQ_FAIL("attribute '%s' vs '%s': name or type", a->name, b->name);
	if (!eq_str(a->ref_attr_name, b->ref_attr_name) || !eq_str(a->doc_string, b->doc_string))
		EQ_FAIL("attribute '%s': ref or doc", a->name);
	switch (a->type) {
	case LADDER_ATTR_FLOAT:
		if (memcmp(&a->f, &b->f, sizeof a->f) != 0)
			EQ_FAIL("attribute '%s': float", a->name);
		return true;
	case LADDER_ATTR_INT:
		if (a->i != b->i)
			EQ_FAIL("attribute '%s': int", a->name);
		return true;
	case LADDER_ATTR_STRING:
		if (!eq_bytes(&a->s, &b->s))
			EQ_FAIL("attribute '%s': string", a->name);
		return true;
	case LADDER_ATTR_TENSOR:
		return tensor_eq(a->t, b->t);
	case LADDER_ATTR_GRAPH:
		return graph_eq(a->g, b->g, depth + 1);
	default:
		break;
	}
	if (a->n != b->n)
		EQ_FAIL("attribute '%s': %zu vs %zu elements", a->name, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		switch (a->type) {
		case LADDER_ATTR_FLOATS:
			if (memcmp(&a->floats[i], &b->floats[i], sizeof(float)) != 0)
				EQ_FAIL("attribute '%s': floats", a->name);
			break;
		case LADDER_ATTR_INTS:
			if (a->ints[i] != b->ints[i])
				EQ_FAIL("attribute '%s': ints", a->name);
			break;
		case LADDER_ATTR_STRINGS:
			if (!eq_bytes(&a->strings[i], &b->strings[i]))
				EQ_FAIL("attribute '%s': strings", a->name);
			break;
		case LADDER_ATTR_TENSORS:
			if (!tensor_eq(a->tensors[i], b->tensors[i]))
				return false;
			break;
		case LADDER_ATTR_GRAPHS:
			if (!graph_eq(a->graphs[i], b->graphs[i], depth + 1))
				return false;
			break;
		default:
			break;
		}
	}
	if (!eq_bytes(&a->raw, &b->raw))
		EQ_FAIL("attribute '%s': opaque bytes", a->name);
	return true;
}

static bool
node_eq(const struct ladder_node *a, const struct ladder_node *b, int depth)
{
	if (!eq_str(a->name, b->name) || !eq_str(a->op_type, b->op_type) || !eq_str(a->domain, b->domain) ||
	    !eq_str(a->doc_string, b->doc_string))
		EQ_FAIL("node '%s' (%s) vs '%s' (%s)", a->name, a->op_type, b->name, b->op_type);
	if (a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs || a->n_attrs != b->n_attrs)
		EQ_FAIL("node '%s': input, output or attribute counts", a->name);
	for (size_t i = 0; i < a->n_inputs; i++) {
		if (!eq_str(a->inputs[i], b->inputs[i]))
			EQ_FAIL("node '%s': input %zu", a->name, i);
	}
	for (size_t i = 0; i < a->n_outputs; i++) {
		if (!eq_str(a->outputs[i], b->outputs[i]))
			EQ_FAIL("node '%s': output %zu", a->name, i);
	}
	for (size_t i = 0; i < a->n_attrs; i++) {
		if (!attr_eq(&a->attrs[i], &b->attrs[i], depth))
			return false;
	}
	return true;
}

static bool
graph_eq(const struct ladder_graph *a, const struct ladder_graph *b, int depth)
{
	if (a == NULL || b == NULL)
		EQ_FAIL("missing graph");
	if (!eq_str(a->name, b->name) || !eq_str(a->doc_string, b->doc_string))
		EQ_FAIL("graph '%s' vs '%s'", a->name, b->name);
	if (a->n_nodes != b->n_nodes || a->n_initializers != b->n_initializers)
		EQ_FAIL("graph '%s': node or initializer counts", a->name);
	for (size_t i = 0; i < a->n_nodes; i++) {
		if (!node_eq(&a->nodes[i], &b->nodes[i], depth))
			return false;
	}
	for (size_t i = 0; i < a->n_initializers; i++) {
		if (!tensor_eq(&a->initializers[i], &b->initializers[i]))
			return false;
	}
	if (!value_infos_eq(a->inputs, a->n_inputs, b->inputs, b->n_inputs, "input") ||
	    !value_infos_eq(a->outputs, a->n_outputs, b->outputs, b->n_outputs, "output") ||
	    !value_infos_eq(a->value_infos, a->n_value_infos, b->value_infos, b->n_value_infos, "value_info"))
		return false;
	if (!eq_bytes(&a->raw_extra, &b->raw_extra))
		EQ_FAIL("graph '%s': sparse initializers or annotations", a->name);
	return true;
}

static bool
model_eq(const struct ladder_model *a, const struct ladder_model *b)
{
	model_eq_why[0] = '\0';
	if (a->ir_version != b->ir_version || a->model_version != b->model_version)
		EQ_FAIL("ir_version or model_version");
	if (!eq_str(a->producer_name, b->producer_name) || !eq_str(a->producer_version, b->producer_version) ||
	    !eq_str(a->domain, b->domain) || !eq_str(a->doc_string, b->doc_string))
		EQ_FAIL("producer, domain or doc_string");
	if (a->n_opsets != b->n_opsets)
		EQ_FAIL("opset counts");
	for (size_t i = 0; i < a->n_opsets; i++) {
		if (!eq_str(a->opsets[i].domain, b->opsets[i].domain) || a->opsets[i].version != b->opsets[i].version)
			EQ_FAIL("opset %zu", i);
	}
	if (a->n_metadata != b->n_metadata)
		EQ_FAIL("metadata counts");
	for (size_t i = 0; i < a->n_metadata; i++) {
		if (!eq_str(a->metadata[i].key, b->metadata[i].key) || !eq_str(a->metadata[i].value, b->metadata[i].value))
			EQ_FAIL("metadata %zu", i);
	}
	if (!eq_bytes(&a->raw_extra, &b->raw_extra))
		EQ_FAIL("functions or training info");
	return graph_eq(&a->graph, &b->graph, 0);
}

#endif
