/*
 * fuzz-onnx.c: libFuzzer target for the ONNX reader.  Loads the input as a
 * model (no directory, so no external data) and as a single tensor; a model
 * that loads is validated, serialized and loaded again.
 * Build with `make fuzz`; run: build-fuzz/fuzz-onnx -max_len=65536 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>

#include "ladder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = NULL, *again = NULL;
	struct ladder_tensor *t = NULL;
	struct ladder_arena *arena = NULL;
	struct ladder_buf problems;
	uint8_t *out = NULL;
	size_t len;

	if (ladder_tensor_load_pb(data, size, &t, &arena, &err) == 0)
		ladder_arena_free(arena);
	ladder_err_clear(&err);
	if (ladder_model_load_mem(data, size, NULL, &m, &err) != 0)
		return 0;
	ladder_buf_init(&problems);
	ladder_model_validate(m, &problems, &err);
	ladder_buf_release(&problems);
	if (ladder_model_serialize(m, &out, &len, &err) == 0) {
		if (ladder_model_load_mem(out, len, NULL, &again, &err) != 0)
			abort();	/* what we write, we must read */
		ladder_model_free(again);
		free(out);
	}
	ladder_model_free(m);
	return 0;
}
