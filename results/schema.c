/* schema.c: the results files' names and histogram edges. */
#include "schema.h"

const double schema_hist_edges_ms[SCHEMA_HIST_BINS] = {0,    25,   50,   100,   200,  500,
                                                       1000, 2000, 5000, 10000, 20000};

const char *const schema_failure_names[SCHEMA_FAILURES] = {"session", "certificate",
                                                           "handshake", "data"};

const char *const schema_metric_names[SCHEMA_METRICS] = {"direct_rate", "gateway_load",
                                                         "hops_mean", "reliability"};
