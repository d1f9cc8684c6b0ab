/* Pointer files: parsing (strict about what matters, tolerant of new keys) and canonical writing. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "mlv/cjson.h"
#include "alloc.h"
#include "mlv/pointer.h"
#include "mlv/error.h"
#include "mlv/io.h"

#define MAX_POINTER (64 * 1024)

static const char *const kinds[] = { NULL, "file", "dir", "link" };

const char *mlv_ptr_kind_name(mlv_ptr_kind k)
{
	return k >= MLV_PTR_FILE && k <= MLV_PTR_LINK ? kinds[k] : "unknown";
}

static int get_count(uint64_t *out, const cJSON *obj, const char *key, const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;
	if (!v)
		return mlv_error_set(MLV_EINVALID, "pointer '%s' has no \"%s\"", what, key);
	d = v->valuedouble;
	if (!cJSON_IsNumber(v) || d < 0 || d > 9007199254740992.0 || floor(d) != d)
		return mlv_error_set(MLV_EINVALID, "pointer '%s' has a bad \"%s\" (expected a whole number of bytes)", what, key);
	*out = (uint64_t)d;
	return 0;
}

int mlv_pointer_parse(mlv_pointer *out, const char *data, size_t len, const char *what)
{
	const char *end = NULL;
	int nomem;
	cJSON *j = mlv__json_parse(data, len, &end, &nomem);
	const cJSON *kind, *oid;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (!j && nomem)
		return mlv_error_set(MLV_ENOMEM, "out of memory");
	if (!j) {
		size_t at = end ? (size_t)(end - data) : 0;
		return mlv_error_set(MLV_EINVALID, "pointer '%s' is not valid JSON (at byte %zu)", what, at);
	}
	if (!cJSON_IsObject(j)) {
		rc = mlv_error_set(MLV_EINVALID, "pointer '%s' is not a JSON object", what);
		goto done;
	}
	/* a damaged pointer must not pass for a good one: nothing after the object but white space */
	for (const char *q = end; q < data + len; q++)
		if (*q != ' ' && *q != '\n' && *q != '\t' && *q != '\r') {
			rc = mlv_error_set(MLV_EINVALID, "pointer '%s' is not valid JSON (data after the object at byte %zu)",
				what, (size_t)(q - data));
			goto done;
		}
	kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	if (!cJSON_IsString(kind)) {
		rc = mlv_error_set(MLV_EINVALID, "pointer '%s' has no \"kind\"", what);
		goto done;
	}
	for (int k = MLV_PTR_FILE; k <= MLV_PTR_LINK; k++)
		if (!strcmp(kind->valuestring, kinds[k]))
			out->kind = (mlv_ptr_kind)k;
	if (!out->kind) {
		rc = mlv_error_set(MLV_EINVALID, "pointer '%s' has an unknown kind \"%s\"", what, kind->valuestring);
		goto done;
	}
	oid = cJSON_GetObjectItemCaseSensitive(j, "oid");
	if (!cJSON_IsString(oid) || strncmp(oid->valuestring, "sha256:", 7) || mlv_oid_fromhex(&out->oid, oid->valuestring)) {
		rc = mlv_error_set(MLV_EINVALID, "pointer '%s' has a bad \"oid\" (expected \"sha256:\" and 64 hex digits)", what);
		goto done;
	}
	if ((rc = get_count(&out->size, j, "size", what)))
		goto done;
	if (out->kind == MLV_PTR_DIR && (rc = get_count(&out->files, j, "files", what)))
		goto done;
done:
	cJSON_Delete(j);
	return rc;
}

int mlv_pointer_format(mlv_buf *out, const mlv_pointer *p)
{
	char hex[MLV_OID_HEXSZ + 1];
	mlv_oid_fmt(hex, &p->oid);
	if (p->kind == MLV_PTR_DIR)
		return mlv_buf_printf(out, "{\"files\":%llu,\"kind\":\"dir\",\"oid\":\"sha256:%s\",\"size\":%llu}\n",
			(unsigned long long)p->files, hex, (unsigned long long)p->size);
	return mlv_buf_printf(out, "{\"kind\":\"%s\",\"oid\":\"sha256:%s\",\"size\":%llu}\n",
		mlv_ptr_kind_name(p->kind), hex, (unsigned long long)p->size);
}

int mlv_pointer_read(mlv_pointer *out, const char *path)
{
	char buf[MAX_POINTER + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	if (fd < 0)
		return mlv_error_set_errno(errno == ENOENT ? MLV_ENOTFOUND : MLV_EIO, errno, "cannot read pointer '%s'", path);
	n = mlv_io_read_full(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return mlv_error_set_errno(MLV_EIO, (int)-n, "cannot read pointer '%s'", path);
	if (n > MAX_POINTER)
		return mlv_error_set(MLV_EINVALID, "pointer '%s' is too large to be a pointer", path);
	return mlv_pointer_parse(out, buf, (size_t)n, path);
}

int mlv_pointer_write(const char *path, const mlv_pointer *p)
{
	mlv_buf b = MLV_BUF_INIT;
	int rc = mlv_pointer_format(&b, p);
	if (!rc)
		rc = mlv_io_write_file_atomic(path, b.ptr, b.size, 0644);
	mlv_buf_release(&b);
	return rc;
}
