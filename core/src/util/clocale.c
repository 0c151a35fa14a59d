#include "util/clocale.h"

void ecm__cloc_push(ecm__cloc *l) {
  l->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  l->old = l->c ? uselocale(l->c) : (locale_t)0;
}

void ecm__cloc_pop(ecm__cloc *l) {
  if (!l->c) return;
  uselocale(l->old);
  freelocale(l->c);
  l->c = (locale_t)0;
}
