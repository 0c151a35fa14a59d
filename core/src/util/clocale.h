/* Formatting and parsing numbers in the C locale, whatever locale the host process set
 * (a JVM in Fiji may select one with a decimal comma). Internal, not installed. */
#ifndef ECM_CLOCALE_H
#define ECM_CLOCALE_H

#include <locale.h>

typedef struct ecm__cloc {
  locale_t c, old;
} ecm__cloc;

/* Switch the calling thread to the C locale until ecm__cloc_pop. */
void ecm__cloc_push(ecm__cloc *l);
void ecm__cloc_pop(ecm__cloc *l);

#endif
