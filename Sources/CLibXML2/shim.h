#ifndef BACKFILL_CLIBXML2_SHIM_H
#define BACKFILL_CLIBXML2_SHIM_H
/* Debian's libxml2 headers pull in system ICU, which clashes with Foundation's: disable it first. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* xmlFree is a global function pointer, not concurrency-safe in Swift 6: call it through a function. */
static inline void backfill_xmlFree(void *p) { xmlFree(p); }
static inline void backfill_silence_xml_errors(void) {
    xmlSetGenericErrorFunc(NULL, NULL);
}
#endif
