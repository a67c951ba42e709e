/*
** options.h: the one option parser of every natsim command. A command
** describes its options in a table (name, value, kind, where it goes, help);
** the parser checks each value as its kind says, prints the help generated
** from the table, and words every error the same way:
**
**   natsim CMD: unknown option '--x'
**   natsim CMD: option '--seed' needs a value
**   natsim CMD: option '--seed': expected a non-negative integer, got 'abc'
**   (natsim CMD --help lists the options)
**
** A value follows its option as the next argument (`--seed 3`, even when
** it starts with '-') or after '=' (`--seed=3`). Every argument that starts
** with '-' is an option; the others are positional, kept in order.
*/
#ifndef NATSIM_OPTIONS_H
#define NATSIM_OPTIONS_H

/* How an option's value is checked and where it is stored. */
typedef enum opt_kind {
  OPT_HELP,      /* -h, --help: print the help */
  OPT_FLAG,      /* no value; dst: bool, set to true */
  OPT_STRING,    /* any value; dst: const char *, borrowed from argv */
  OPT_U64,       /* a decimal integer from 0 to INT64_MAX; dst: uint64_t */
  OPT_LONG,      /* a decimal integer in [lo, hi]; dst: long */
  OPT_NUMBER,    /* a number in [lo, hi]; dst: double */
  OPT_NUMBER_IN, /* a number in (lo, hi), bounds excluded; dst: double */
  OPT_ADDR,      /* ADDR:PORT, IPv4 or IPv6, port given; dst: addr */
  OPT_ADDR4,     /* as OPT_ADDR, IPv4 only */
  OPT_USERPASS,  /* USER:PASS, USER not empty; dst: const char * */
  OPT_KEYVALUE,  /* KEY=VALUE, KEY not empty, repeated; dst: const char *[hi],
                    count: the number stored so far */
  OPT_CIDR       /* ADDR/PREFIX or ADDR (addr_parse_cidr), repeated; as OPT_KEYVALUE */
} opt_kind;

typedef struct opt {
  const char *name;  /* the long name, without "--" */
  const char *value; /* the value's name in the help (NULL for flags) */
  opt_kind kind;
  void *dst;         /* where the value goes (see opt_kind); NULL for OPT_HELP */
  double lo, hi;     /* OPT_LONG, OPT_NUMBER*: the range; OPT_KEYVALUE, OPT_CIDR: hi, the capacity */
  int *count;        /* OPT_KEYVALUE, OPT_CIDR: values stored in dst */
  const char *help;  /* the help text; '\n' starts a continuation line */
} opt;

/* A command: its name and help. The help prints head, then the options of
** the table, then tail (either may be NULL). */
typedef struct opt_cmd {
  const char *name; /* "run", "serve", ... */
  const char *head; /* "usage: natsim run ...\n\n...what it does...\n" */
  const opt *opts;
  int nopts;
  const char *tail; /* "exit status: ...\n" */
} opt_cmd;

/* What opt_parse did: the command continues, or exits with this status. */
enum { OPT_CONTINUE = -1, OPT_EXIT_OK = 0, OPT_EXIT_USAGE = 2 };

/* Parses argv[0..argc-1] (the arguments after the command's name) into
** the table's destinations and the positional arguments into pos (which
** must hold argc entries; borrowed from argv), their number in *npos.
** Returns OPT_CONTINUE when the command should go on; OPT_EXIT_OK after
** printing the help on stdout (-h or --help); OPT_EXIT_USAGE after printing
** an error and the hint on stderr. Destinations of options not given are
** left as they were (the command's defaults). */
int opt_parse(const opt_cmd *c, int argc, char **argv, const char **pos, int *npos);

/* Prints the command's help (head, options, tail) on stdout. */
void opt_help(const opt_cmd *c);

/* Prints "natsim CMD: " and the formatted message on stderr, then the
** hint line. Returns OPT_EXIT_USAGE, the status the command exits with. */
int opt_usage_error(const opt_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
