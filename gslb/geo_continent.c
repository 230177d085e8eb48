/* SPDX-License-Identifier: Apache-2.0 */
/* geo_continent.c — the continent of a country code (geo.h), apart from the mmdb reader
 *
 * The config loader (a default_location's continent) and the flat schema both need it;
 * in its own object, the loader links it without geo.c and libmaxminddb.
 */
#include "config.h"

#include "geo.h"

#include <stdlib.h>
#include <string.h>

/* Country → continent, with MaxMind's assignment (RU, CY → EU; TR, the
 * Caucasus, KZ → AS; Central America and the Caribbean → NA). Covers the
 * demo/test data, the ~60 countries with the most Internet users and most of
 * the rest of the world's larger countries; unknown codes leave the continent
 * empty. Sorted by code for bsearch. */
static const char continent_table[][2][3] = {
    {"AD", "EU"}, {"AE", "AS"}, {"AF", "AS"}, {"AG", "NA"}, {"AL", "EU"}, {"AM", "AS"},
    {"AO", "AF"}, {"AQ", "AN"}, {"AR", "SA"}, {"AT", "EU"}, {"AU", "OC"}, {"AZ", "AS"},
    {"BA", "EU"}, {"BB", "NA"}, {"BD", "AS"}, {"BE", "EU"}, {"BF", "AF"}, {"BG", "EU"},
    {"BH", "AS"}, {"BI", "AF"}, {"BJ", "AF"}, {"BN", "AS"}, {"BO", "SA"}, {"BR", "SA"},
    {"BS", "NA"}, {"BT", "AS"}, {"BW", "AF"}, {"BY", "EU"}, {"BZ", "NA"}, {"CA", "NA"},
    {"CD", "AF"}, {"CF", "AF"}, {"CG", "AF"}, {"CH", "EU"}, {"CI", "AF"}, {"CL", "SA"},
    {"CM", "AF"}, {"CN", "AS"}, {"CO", "SA"}, {"CR", "NA"}, {"CU", "NA"}, {"CV", "AF"},
    {"CY", "EU"}, {"CZ", "EU"}, {"DE", "EU"}, {"DJ", "AF"}, {"DK", "EU"}, {"DM", "NA"},
    {"DO", "NA"}, {"DZ", "AF"}, {"EC", "SA"}, {"EE", "EU"}, {"EG", "AF"}, {"ER", "AF"},
    {"ES", "EU"}, {"ET", "AF"}, {"FI", "EU"}, {"FJ", "OC"}, {"FR", "EU"}, {"GA", "AF"},
    {"GB", "EU"}, {"GE", "AS"}, {"GH", "AF"}, {"GM", "AF"}, {"GN", "AF"}, {"GQ", "AF"},
    {"GR", "EU"}, {"GT", "NA"}, {"GY", "SA"}, {"HK", "AS"}, {"HN", "NA"}, {"HR", "EU"},
    {"HT", "NA"}, {"HU", "EU"}, {"ID", "AS"}, {"IE", "EU"}, {"IL", "AS"}, {"IN", "AS"},
    {"IQ", "AS"}, {"IR", "AS"}, {"IS", "EU"}, {"IT", "EU"}, {"JM", "NA"}, {"JO", "AS"},
    {"JP", "AS"}, {"KE", "AF"}, {"KG", "AS"}, {"KH", "AS"}, {"KP", "AS"}, {"KR", "AS"},
    {"KW", "AS"}, {"KZ", "AS"}, {"LA", "AS"}, {"LB", "AS"}, {"LI", "EU"}, {"LK", "AS"},
    {"LR", "AF"}, {"LS", "AF"}, {"LT", "EU"}, {"LU", "EU"}, {"LV", "EU"}, {"LY", "AF"},
    {"MA", "AF"}, {"MC", "EU"}, {"MD", "EU"}, {"ME", "EU"}, {"MG", "AF"}, {"MK", "EU"},
    {"ML", "AF"}, {"MM", "AS"}, {"MN", "AS"}, {"MO", "AS"}, {"MR", "AF"}, {"MT", "EU"},
    {"MU", "AF"}, {"MV", "AS"}, {"MW", "AF"}, {"MX", "NA"}, {"MY", "AS"}, {"MZ", "AF"},
    {"NA", "AF"}, {"NC", "OC"}, {"NE", "AF"}, {"NG", "AF"}, {"NI", "NA"}, {"NL", "EU"},
    {"NO", "EU"}, {"NP", "AS"}, {"NZ", "OC"}, {"OM", "AS"}, {"PA", "NA"}, {"PE", "SA"},
    {"PG", "OC"}, {"PH", "AS"}, {"PK", "AS"}, {"PL", "EU"}, {"PR", "NA"}, {"PS", "AS"},
    {"PT", "EU"}, {"PY", "SA"}, {"QA", "AS"}, {"RO", "EU"}, {"RS", "EU"}, {"RU", "EU"},
    {"RW", "AF"}, {"SA", "AS"}, {"SD", "AF"}, {"SE", "EU"}, {"SG", "AS"}, {"SI", "EU"},
    {"SK", "EU"}, {"SL", "AF"}, {"SN", "AF"}, {"SO", "AF"}, {"SR", "SA"}, {"SS", "AF"},
    {"SV", "NA"}, {"SY", "AS"}, {"TD", "AF"}, {"TG", "AF"}, {"TH", "AS"}, {"TJ", "AS"},
    {"TM", "AS"}, {"TN", "AF"}, {"TR", "AS"}, {"TT", "NA"}, {"TW", "AS"}, {"TZ", "AF"},
    {"UA", "EU"}, {"UG", "AF"}, {"US", "NA"}, {"UY", "SA"}, {"UZ", "AS"}, {"VE", "SA"},
    {"VN", "AS"}, {"YE", "AS"}, {"ZA", "AF"}, {"ZM", "AF"}, {"ZW", "AF"},
};

static int continent_cmp(const void *key, const void *elt)
{
	const char(*row)[3] = elt;

	return strcmp(key, row[0]);
}

const char *geo_continent(const char *country)
{
	const char(*row)[3] =
	    bsearch(country, continent_table, sizeof(continent_table) / sizeof(continent_table[0]),
		    sizeof(continent_table[0]), continent_cmp);

	return row ? row[1] : NULL;
}
