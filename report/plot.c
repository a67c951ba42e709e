/* plot.c: line charts with error bars as standalone SVG. */
#include "plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "report.h"

/* The drawing area, in SVG pixels: left, right, top, bottom. */
#define W 680
#define H 420
#define LEFT 80.0
#define RIGHT 500.0
#define TOP 50.0
#define BOTTOM 350.0
#define CAP 4.0   /* half the width of an error bar's caps */
#define PAD 12.0   /* space between the frame and the outermost numeric x values */
#define DODGE 3.0 /* how far apart lines sit at one x, so bars do not hide each other */

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
#define NCOLOURS (sizeof colours / sizeof colours[0])

/* An axis: its range and the step between ticks. */
typedef struct axis {
  double lo, hi;
  double step;
  int decimals; /* for tick labels */
} axis;

/* A round step (1, 2 or 5 times a power of ten) giving about five ticks. */
static double nice_step(double range) {
  double raw = range / 5;
  double mag = pow(10, floor(log10(raw)));
  double r = raw / mag;
  if (r <= 1) return mag;
  if (r <= 2) return 2 * mag;
  if (r <= 5) return 5 * mag;
  return 10 * mag;
}

/* An axis from lo to hi (lo < hi), widened to whole steps. */
static axis make_axis(double lo, double hi) {
  axis a;
  a.step = nice_step(hi - lo);
  a.lo = floor(lo / a.step + 1e-9) * a.step;
  a.hi = ceil(hi / a.step - 1e-9) * a.step;
  a.decimals = a.step >= 1 ? 0 : (int)ceil(-log10(a.step) - 1e-9);
  return a;
}

/* Widens [*lo, *hi] to take in v (NAN: nothing). */
static void take(double v, double *lo, double *hi) {
  if (isnan(v)) return;
  if (v < *lo) *lo = v;
  if (v > *hi) *hi = v;
}

/* The y axis: every point, every bar's ends, and 0. */
static axis y_axis(const plot *p) {
  double lo = 0;
  double hi = 0;
  for (size_t l = 0; l < p->nlines; l++) {
    const plot_line *ln = &p->lines[l];
    for (size_t i = 0; i < p->nx; i++) {
      double h = isnan(ln->half[i]) ? 0 : ln->half[i];
      take(ln->y[i] - h, &lo, &hi);
      take(ln->y[i] + h, &lo, &hi);
    }
  }
  if (!(hi > lo)) hi = lo + 1; /* every value 0 */
  return make_axis(lo, hi);
}

/* The numeric x axis over the values. */
static axis x_axis(const plot *p) {
  double lo = p->x[0];
  double hi = p->x[0];
  for (size_t i = 1; i < p->nx; i++)
    take(p->x[i], &lo, &hi);
  if (!(hi > lo)) return make_axis(lo - 1, hi + 1); /* one value: in the middle */
  return make_axis(lo, hi);
}

/* Where value v of axis a lies between pixels from and to. */
static double scale(const axis *a, double v, double from, double to) {
  return from + (v - a->lo) / (a->hi - a->lo) * (to - from);
}

/* The pixel x of the i-th x value (numeric, or the middle of slot i). */
static double px(const plot *p, const axis *xa, size_t i) {
  if (p->x) return scale(xa, p->x[i], LEFT + PAD, RIGHT - PAD);
  return LEFT + (RIGHT - LEFT) * ((double)i + 0.5) / (double)p->nx;
}

/* The pixel x of line l's point at i, dodged beside the other lines'. */
static double px_line(const plot *p, const axis *xa, size_t i, size_t l) {
  double offset = ((double)l - ((double)p->nlines - 1) / 2) * DODGE;
  return px(p, xa, i) + offset;
}

static void text(FILE *f, double x, double y, const char *anchor, const char *extra,
                 const char *s) {
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra);
  report_escape(f, s);
  fputs("</text>\n", f);
}

static void tick_label(FILE *f, double x, double y, const char *anchor, const axis *a, double v) {
  char s[64];
  snprintf(s, sizeof s, "%.*f", a->decimals, fabs(v) < a->step / 2 ? 0.0 : v);
  text(f, x, y, anchor, "", s);
}

/* The y ticks, grid lines and labels. */
static void y_ticks(FILE *f, const axis *ya) {
  int n = (int)lround((ya->hi - ya->lo) / ya->step);
  for (int k = 0; k <= n; k++) {
    double v = ya->lo + k * ya->step;
    double y = scale(ya, v, BOTTOM, TOP);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT,
            y, RIGHT, y);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n",
            LEFT - 5, y, LEFT, y);
    tick_label(f, LEFT - 8, y + 4, "end", ya, v);
  }
}

static void x_tick(FILE *f, double x) {
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", x,
          BOTTOM, x, BOTTOM + 5);
}

/* The x ticks and labels: round numbers, or each name. */
static void x_ticks(FILE *f, const plot *p, const axis *xa) {
  if (!p->x) {
    for (size_t i = 0; i < p->nx; i++) {
      x_tick(f, px(p, xa, i));
      text(f, px(p, xa, i), BOTTOM + 20, "middle", "", p->xnames[i]);
    }
    return;
  }
  int n = (int)lround((xa->hi - xa->lo) / xa->step);
  for (int k = 0; k <= n; k++) {
    double v = xa->lo + k * xa->step;
    double x = scale(xa, v, LEFT + PAD, RIGHT - PAD);
    x_tick(f, x);
    tick_label(f, x, BOTTOM + 20, "middle", xa, v);
  }
}

/* The frame, ticks, axis labels and title. */
static void axes(FILE *f, const plot *p, const axis *xa, const axis *ya) {
  y_ticks(f, ya);
  x_ticks(f, p, xa);
  fprintf(f,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
          "stroke=\"#000\"/>\n",
          LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
  text(f, (LEFT + RIGHT) / 2, BOTTOM + 45, "middle", "", p->xlabel);
  char rotate[96];
  snprintf(rotate, sizeof rotate, " transform=\"rotate(-90 %.1f %.1f)\"", 20.0,
           (TOP + BOTTOM) / 2);
  text(f, 20, (TOP + BOTTOM) / 2, "middle", rotate, p->ylabel);
  text(f, (LEFT + RIGHT) / 2, 28, "middle", " font-weight=\"bold\"", p->title);
}

/* An x value's index and its position, for drawing lines left to right. */
typedef struct slot {
  double x;
  size_t i;
} slot;

static int by_x(const void *a, const void *b) {
  const slot *s = a;
  const slot *t = b;
  if (s->x != t->x) return s->x < t->x ? -1 : 1;
  return s->i < t->i ? -1 : s->i > t->i;
}

/* The x values' indices from left to right into order (nx of them). */
static void left_to_right(const plot *p, size_t *order, slot *tmp) {
  for (size_t i = 0; i < p->nx; i++)
    tmp[i] = (slot){p->x ? p->x[i] : (double)i, i};
  qsort(tmp, p->nx, sizeof *tmp, by_x);
  for (size_t i = 0; i < p->nx; i++)
    order[i] = tmp[i].i;
}

/* Line l's segments between points next to each other from left to right
** (a missing point breaks it). */
static void polyline(FILE *f, const plot *p, const axis *xa, const axis *ya, size_t l,
                     const size_t *order) {
  const plot_line *ln = &p->lines[l];
  const char *c = colours[l % NCOLOURS];
  fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", c);
  bool pen = false;
  for (size_t k = 0; k < p->nx; k++) {
    size_t i = order[k];
    if (isnan(ln->y[i])) {
      pen = false;
      continue;
    }
    fprintf(f, "%s%.1f %.1f ", pen ? "L" : "M", px_line(p, xa, i, l),
            scale(ya, ln->y[i], BOTTOM, TOP));
    pen = true;
  }
  fputs("\"/>\n", f);
}

/* Line l's points and their error bars. */
static void points(FILE *f, const plot *p, const axis *xa, const axis *ya, size_t l) {
  const plot_line *ln = &p->lines[l];
  const char *c = colours[l % NCOLOURS];
  for (size_t i = 0; i < p->nx; i++) {
    if (isnan(ln->y[i])) continue;
    double x = px_line(p, xa, i, l);
    if (!isnan(ln->half[i])) {
      double y0 = scale(ya, ln->y[i] - ln->half[i], BOTTOM, TOP);
      double y1 = scale(ya, ln->y[i] + ln->half[i], BOTTOM, TOP);
      fprintf(f,
              "<path fill=\"none\" stroke=\"%s\" d=\"M%.1f %.1f L%.1f %.1f M%.1f %.1f L%.1f "
              "%.1f M%.1f %.1f L%.1f %.1f\"/>\n",
              c, x, y0, x, y1, x - CAP, y0, x + CAP, y0, x - CAP, y1, x + CAP, y1);
    }
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x,
            scale(ya, ln->y[i], BOTTOM, TOP), c);
  }
}

static void legend(FILE *f, const plot *p) {
  for (size_t l = 0; l < p->nlines; l++) {
    double y = TOP + 10 + 22 * (double)l;
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\"/>\n",
            RIGHT + 20, y, RIGHT + 45, y, colours[l % NCOLOURS]);
    text(f, RIGHT + 52, y + 4, "start", "", p->lines[l].name);
  }
}

int plot_svg(FILE *f, const plot *p) {
  if (p->nx == 0) return -1;
  size_t *order = malloc(p->nx * sizeof *order);
  slot *tmp = malloc(p->nx * sizeof *tmp);
  if (!order || !tmp) {
    free(order);
    free(tmp);
    return -1;
  }
  left_to_right(p, order, tmp);
  free(tmp);
  axis ya = y_axis(p);
  axis xa = {0, 1, 1, 0};
  if (p->x) xa = x_axis(p);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
          W, H, W, H);
  fputs("<title>", f);
  report_escape(f, p->title);
  fputs("</title>\n", f);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
  axes(f, p, &xa, &ya);
  for (size_t l = 0; l < p->nlines; l++) {
    polyline(f, p, &xa, &ya, l, order);
    points(f, p, &xa, &ya, l);
  }
  legend(f, p);
  fputs("</svg>\n", f);
  free(order);
  return ferror(f) ? -1 : 0;
}
