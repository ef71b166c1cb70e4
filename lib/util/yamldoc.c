/* yamldoc.c: read and parse a YAML file into a libyaml document. */
#include <stdlib.h>

#include "util/yamldoc.h"
#include "util/banned.h"

int
ladder_yaml_load(const char *path, size_t max_bytes, yaml_document_t *doc,
    struct ladder_err *err)
{
	yaml_parser_t parser;
	char *text;
	size_t len;
	int rc;

	rc = ladder_read_file(path, max_bytes, &text, &len, err);
	if (rc != 0)
		return rc;
	if (!yaml_parser_initialize(&parser)) {
		free(text);
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc))
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %zu: %s", path,
		    parser.problem_mark.line + 1, parser.problem ? parser.problem : "bad YAML");
	/* The document owns copies of its scalars: parser and text can go now. */
	yaml_parser_delete(&parser);
	free(text);
	return rc;
}
