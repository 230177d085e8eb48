/* SPDX-License-Identifier: Apache-2.0 */
/* gslbctl_whatif.c — `gslbctl whatif`: the question's JSON, and the shares it answers */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gslbctl.h"

/* The array at key of q, created when missing. */
static json_t *array_at(json_t *q, const char *key)
{
	json_t *a = json_object_get(q, key);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(q, key, a);
	}
	return a;
}

int whatif_option(json_t *q, const char *opt, const char *arg)
{
	if (strcmp(opt, "weight") == 0) {
		const char *eq = strchr(arg, '=');
		char *end;
		long w = eq ? strtol(eq + 1, &end, 10) : -1;
		if (eq == NULL || eq == arg || eq[1] == '\0' || *end != '\0' || w < 0 ||
		    w > 1000000) {
			fprintf(stderr,
				"gslbctl: --weight takes REGION=N (N 0..1000000), not '%s'\n", arg);
			return -1;
		}
		json_t *o = json_object_get(q, "weight");
		if (o == NULL) {
			o = json_object();
			json_object_set_new(q, "weight", o);
		}
		char region[256];
		snprintf(region, sizeof(region), "%.*s", (int)(eq - arg), arg);
		json_object_set_new(o, region, json_integer(w));
		return 0;
	}
	json_array_append_new(array_at(q, opt), json_string(arg));
	return 0;
}

int whatif_clients(json_t *q, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[512];
	unsigned lineno = 0;
	json_t *a = array_at(q, "clients");

	if (f == NULL) {
		fprintf(stderr, "gslbctl: --clients %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *comma, *end;
		double w = 1;
		lineno++;
		p[strcspn(p, "\r\n#")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			continue;
		comma = strchr(p, ',');
		if (comma != NULL) {
			*comma = '\0';
			w = strtod(comma + 1, &end);
			while (*end == ' ' || *end == '\t')
				end++;
			if (end == comma + 1 || *end != '\0' || !(w > 0)) {
				fprintf(stderr, "gslbctl: %s:%u: weight: a number above 0\n", path,
					lineno);
				goto fail;
			}
		}
		p[strcspn(p, " \t")] = '\0';
		json_t *c = json_array();
		json_array_append_new(c, json_string(p));
		json_array_append_new(c, json_real(w));
		json_array_append_new(a, c);
	}
	if (f != stdin)
		fclose(f);
	if (json_array_size(a) == 0) {
		fprintf(stderr, "gslbctl: --clients %s: no clients (lines of PREFIX[,WEIGHT])\n",
			path);
		return -1;
	}
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	return -1;
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

void whatif_print(json_t *j)
{
	json_t *s, *r, *o;
	size_t i, k;

	printf("population: %s, %lld client networks%s\n", jstr(j, "population", "?"),
	       (long long)json_integer_value(json_object_get(j, "clients")),
	       strcmp(jstr(j, "population", ""), "recorded") == 0
		   ? " (the answers of the last 5-10 minutes)"
		   : "");
	if (json_array_size(json_object_get(j, "services")) == 0)
		printf("no answers to replay: no service was asked (recorded), or none "
		       "answers these clients\n");
	json_array_foreach (json_object_get(j, "services"), i, s) {
		printf("\n%s (%.0f answers)\n", jstr(s, "name", "?"), num(s, "answers"));
		printf("  %-16s %7s %7s %8s %9s\n", "REGION", "NOW", "AFTER", "CHANGE", "CAPACITY");
		json_array_foreach (json_object_get(s, "regions"), k, r) {
			char cap[16] = "-";
			if (json_is_number(json_object_get(r, "capacity")))
				snprintf(cap, sizeof(cap), "%.1f%%", num(r, "capacity") * 100);
			printf("  %-16s %6.1f%% %6.1f%% %+7.1f%% %9s%s\n", jstr(r, "region", "?"),
			       num(r, "now") * 100, num(r, "after") * 100,
			       (num(r, "after") - num(r, "now")) * 100, cap,
			       json_is_true(json_object_get(r, "over")) ? "  OVER CAPACITY" : "");
		}
	}
	if (json_array_size(json_object_get(j, "over_capacity")) > 0) {
		printf("\nover capacity after the change:\n");
		json_array_foreach (json_object_get(j, "over_capacity"), i, o)
			printf("  %s\n", json_string_value(o));
	}
}
