/* libmlv: everything in one include. */
#ifndef MLV_H
#define MLV_H
#include "mlv/error.h"
#include "mlv/buf.h"
#include "mlv/oid.h"
#include "mlv/io.h"
#include "mlv/store.h"
#include "mlv/object.h"
#include "mlv/tree.h"
#include "mlv/maint.h"
#include "mlv/pointer.h"
#include "mlv/worktree.h"
#include "mlv/git.h"
#include "mlv/csv.h"
#include "mlv/stats.h"
#include "mlv/expr.h"
#include "mlv/registry.h"
#endif
