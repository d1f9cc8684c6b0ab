/* An id -> value map with open addressing (ids are uniformly random, so their first bytes hash well). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "alloc.h"

static size_t oidmap_hash(const mlv_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h));
	return h;
}

size_t mlv__oidmap_get(const struct mlv_oidmap *m, const mlv_oid *id)
{
	if (!m->cap)
		return 0;
	for (size_t i = oidmap_hash(id) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].val)
			return 0;
		if (!mlv_oid_cmp(&m->slots[i].id, id))
			return m->slots[i].val;
	}
}

int mlv__oidmap_put(struct mlv_oidmap *m, const mlv_oid *id, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct mlv_oidmap_slot *ns = mlv__calloc(ncap, sizeof(*ns));
		if (!ns)
			return mlv_error_set(MLV_ENOMEM, "out of memory");
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].val)
				continue;
			size_t j = oidmap_hash(&m->slots[i].id) & (ncap - 1);
			while (ns[j].val)
				j = (j + 1) & (ncap - 1);
			ns[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = ns;
		m->cap = ncap;
	}
	size_t i = oidmap_hash(id) & (m->cap - 1);
	while (m->slots[i].val)
		i = (i + 1) & (m->cap - 1);
	m->slots[i].id = *id;
	m->slots[i].val = val;
	m->n++;
	return 0;
}


void mlv__oidmap_release(struct mlv_oidmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
