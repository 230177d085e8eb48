/* SPDX-License-Identifier: Apache-2.0 */
/* test_probe_haproxy.c — gslb-probe: HAProxy stats CSV rows */
#include "config.h"

#include "haproxy_csv.h"

#include "report.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

/* As HAProxy 2.6 writes it (columns cut after the ones that matter, plus a few more). */
static const char csv[] =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,"
    "wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,"
    "sid,throttle,lbtot,tracked,type,\n"
    "stats,FRONTEND,,,1,2,100,5,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,\n"
    "stats,BACKEND,0,0,0,0,10,0,0,0,0,0,,0,0,0,0,UP,0,0,0,,0,100,,,1,2,0,,0,,1,\n"
    "web,FRONTEND,,,3,7,2000,9,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0,\n"
    "web,s1,0,0,1,2,,5,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,100,0,,1,4,1,,5,,2,\n"
    "web,s2,0,0,0,1,,4,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,50,50,,1,4,2,,4,,2,\n"
    "web,BACKEND,0,0,25,30,100,9,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,100,0,,1,4,0,,9,,1,\n"
    "dead,BACKEND,0,0,0,0,50,0,0,0,0,0,,0,0,0,0,DOWN,0,0,0,,1,20,20,,1,5,0,,0,,1,\n"
    "front_only,FRONTEND,,,40,40,80,9,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,6,0,,,,0,\n"
    "stopped,FRONTEND,,,0,0,80,9,0,0,0,0,0,,,,,STOP,,,,,,,,,1,7,0,,,,0,\n"
    "noslim,BACKEND,0,0,4,4,,9,0,0,0,0,,0,0,0,0,UP 1/3,1,1,0,,0,100,0,,1,8,0,,9,,1,\n";

START_TEST(backend_row_up_with_load)
{
	struct haproxy_row r;

	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "web", &r), 0);
	ck_assert(r.up);
	ck_assert(!r.frontend);
	ck_assert_str_eq(r.status, "UP");
	ck_assert_uint_eq(r.load_permille, 250); /* 25 * 1000 / 100 */
}
END_TEST

START_TEST(backend_row_down)
{
	struct haproxy_row r;

	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "dead", &r), 0);
	ck_assert(!r.up);
	ck_assert_str_eq(r.status, "DOWN");
	ck_assert_uint_eq(r.load_permille, 0);
}
END_TEST

START_TEST(frontend_only_proxy)
{
	struct haproxy_row r;

	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "front_only", &r), 0);
	ck_assert(r.up);
	ck_assert(r.frontend);
	ck_assert_uint_eq(r.load_permille, 500);
	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "stopped", &r), 0);
	ck_assert(!r.up);
	ck_assert_str_eq(r.status, "STOP");
}
END_TEST

START_TEST(transitional_status_and_no_limit)
{
	struct haproxy_row r;

	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "noslim", &r), 0);
	ck_assert(r.up); /* "UP 1/3": going down, still up */
	ck_assert_str_eq(r.status, "UP 1/3");
	ck_assert_uint_eq(r.load_permille, REPORT_UNKNOWN);
}
END_TEST

START_TEST(missing_proxy_and_bad_csv)
{
	struct haproxy_row r;
	static const char noheader[] = "web,BACKEND,0,0,25,30,100\n";
	static const char nocols[] = "# pxname,svname,status\nweb,BACKEND,UP\n";
	static const char crlf[] = "# pxname,svname,scur,slim,status\r\nweb,BACKEND,1,4,UP\r\n";

	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "nothere", &r), -ENOENT);
	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv), "we", &r), -ENOENT);
	ck_assert_int_eq(haproxy_csv_parse(noheader, strlen(noheader), "web", &r), -EBADMSG);
	ck_assert_int_eq(haproxy_csv_parse(nocols, strlen(nocols), "web", &r), -EBADMSG);
	ck_assert_int_eq(haproxy_csv_parse("", 0, "web", &r), -EBADMSG);
	ck_assert_int_eq(haproxy_csv_parse(crlf, strlen(crlf), "web", &r), 0);
	ck_assert_str_eq(r.status, "UP");
	ck_assert_uint_eq(r.load_permille, 250);
	/* a truncated body: the last row cut short is ignored, not read past */
	ck_assert_int_eq(haproxy_csv_parse(csv, strlen(csv) - 60, "noslim", &r), -ENOENT);
}
END_TEST

UNIT_SUITE("probe_haproxy", {"backend_row_up_with_load", backend_row_up_with_load},
	   {"backend_row_down", backend_row_down}, {"frontend_only_proxy", frontend_only_proxy},
	   {"transitional_status_and_no_limit", transitional_status_and_no_limit},
	   {"missing_proxy_and_bad_csv", missing_proxy_and_bad_csv})
