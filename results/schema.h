/*
** schema.h: names and limits of the results files (natsim-run/1 and
** natsim-results/1, reports/README.md), defined once for the code that
** writes them (experiment/) and the code that reads them (report/).
*/
#ifndef NATSIM_SCHEMA_H
#define NATSIM_SCHEMA_H

/* Classes of peers in one population, at most. */
#define SCHEMA_MAX_CLASSES 16
/* A version's matrix: a cell per pair of classes, each pair once. */
#define SCHEMA_MAX_CELLS (SCHEMA_MAX_CLASSES * (SCHEMA_MAX_CLASSES + 1) / 2)

/* Time-to-connect histograms: bin i counts times from edges[i] up to
** edges[i+1] ms (the last bin is open). */
#define SCHEMA_HIST_BINS 11
extern const double schema_hist_edges_ms[SCHEMA_HIST_BINS];

/* Why attempts failed; schema_failure_names spells them in results. */
enum schema_failure {
  SCHEMA_FAIL_SESSION,     /* the gateway never set up the session */
  SCHEMA_FAIL_CERTIFICATE, /* a certificate was refused (one side or the other) */
  SCHEMA_FAIL_HANDSHAKE,   /* QUIC never came up, or closed, for another reason */
  SCHEMA_FAIL_DATA,        /* connected, but some message did not arrive whole and in order */
  SCHEMA_FAILURES
};
extern const char *const schema_failure_names[SCHEMA_FAILURES];

/* Metrics a target can name; schema_metric_names spells them in results. */
enum schema_metric {
  SCHEMA_METRIC_DIRECT_RATE,  /* direct / attempts */
  SCHEMA_METRIC_GATEWAY_LOAD, /* message bytes through the gateway or TURN / all */
  SCHEMA_METRIC_HOPS_MEAN,    /* 1 direct, 2 relayed, over verified attempts */
  SCHEMA_METRIC_RELIABILITY,  /* data_verified / attempts */
  SCHEMA_METRICS
};
extern const char *const schema_metric_names[SCHEMA_METRICS];

#endif
