/* The integer kernels of rvsim's CoreMark-style benchmarks: CRC-16,
 * linked-list processing, small-matrix arithmetic and a state machine
 * scanning a text of numbers. Included (not compiled alone) by
 * tests/c/coremark.c, a Linux program, and tests/c/bare/bench.c, a
 * bare-metal one, after each defines LIST_NODES, LIST_FINDS, MAT_N,
 * TEXT_BYTES, the seeds seed_data and seed_run, and check(). It uses only
 * <stddef.h> and <stdint.h>, so that it builds without a libc. */
/* ---- CRC-16/CCITT: polynomial 0x1021, most significant bit first ---- */

static uint16_t crc16_byte(uint16_t crc, uint8_t byte) {
    crc ^= (uint16_t)(byte << 8);
    for (int bit = 0; bit < 8; bit++)
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u16(uint16_t crc, uint16_t v) {
    crc = crc16_byte(crc, (uint8_t)(v & 0xff));
    return crc16_byte(crc, (uint8_t)(v >> 8));
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v) {
    crc = crc16_u16(crc, (uint16_t)(v & 0xffff));
    return crc16_u16(crc, (uint16_t)(v >> 16));
}

static uint16_t crc16_bytes(uint16_t crc, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        crc = crc16_byte(crc, (uint8_t)p[i]);
    return crc;
}

/* A xorshift generator for the initial data. */
static uint32_t next_random(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* ---- (a) linked lists ---- */

struct record {
    int16_t value;
    uint16_t id;
};

struct node {
    struct node *next;
    struct record *rec;
};

/* The static arena the list lives in. */
static struct node node_arena[LIST_NODES];
static struct record record_arena[LIST_NODES];
static size_t arena_used;

typedef int (*record_order)(const struct record *a, const struct record *b, uint16_t key);

static struct node *new_node(int16_t value, uint16_t id) {
    struct node *n = &node_arena[arena_used];
    struct record *r = &record_arena[arena_used];
    arena_used++;
    r->value = value;
    r->id = id;
    n->rec = r;
    n->next = NULL;
    return n;
}

/* By value as seen through this iteration's key, then by id. */
static int by_value(const struct record *a, const struct record *b, uint16_t key) {
    int ka = (uint16_t)(a->value ^ key) & 0x7fff;
    int kb = (uint16_t)(b->value ^ key) & 0x7fff;
    if (ka != kb)
        return ka - kb;
    return (int)a->id - (int)b->id;
}

static int by_id(const struct record *a, const struct record *b, uint16_t key) {
    (void)key;
    return (int)a->id - (int)b->id;
}

/* Bottom-up merge sort of a singly linked list: runs of width 1, 2, 4...
 * are merged pairwise until one run is left. Stable. */
static struct node *list_sort(struct node *list, record_order order, uint16_t key) {
    if (list == NULL)
        return NULL;
    for (size_t width = 1;; width *= 2) {
        struct node *left = list, *tail = NULL;
        size_t runs = 0;
        list = NULL;
        while (left != NULL) {
            struct node *right = left;
            size_t left_size = 0, right_size = width;
            runs++;
            while (left_size < width && right != NULL) {
                left_size++;
                right = right->next;
            }
            while (left_size > 0 || (right_size > 0 && right != NULL)) {
                struct node *take;
                if (left_size == 0) {
                    take = right;
                    right = right->next;
                    right_size--;
                } else if (right_size == 0 || right == NULL || order(left->rec, right->rec, key) <= 0) {
                    take = left;
                    left = left->next;
                    left_size--;
                } else {
                    take = right;
                    right = right->next;
                    right_size--;
                }
                if (tail != NULL)
                    tail->next = take;
                else
                    list = take;
                tail = take;
            }
            left = right;
        }
        tail->next = NULL;
        if (runs <= 1)
            return list;
    }
}

static struct node *list_reverse(struct node *list) {
    struct node *done = NULL;
    while (list != NULL) {
        struct node *next = list->next;
        list->next = done;
        done = list;
        list = next;
    }
    return done;
}

static struct node *find_id(struct node *list, uint16_t id, uint32_t *position) {
    uint32_t at = 0;
    for (; list != NULL; list = list->next, at++)
        if (list->rec->id == id)
            break;
    *position = at;
    return list;
}

static struct node *find_value(struct node *list, int16_t value, uint32_t *position) {
    uint32_t at = 0;
    for (; list != NULL; list = list->next, at++)
        if (list->rec->value == value)
            break;
    *position = at;
    return list;
}

/* Takes the node after `before` out of the list and returns it. */
static struct node *remove_after(struct node *before) {
    struct node *gone = before->next;
    before->next = gone->next;
    gone->next = NULL;
    return gone;
}

/* Puts `n` back into a list sorted by id, in its place. */
static struct node *insert_by_id(struct node *list, struct node *n) {
    if (list == NULL || n->rec->id < list->rec->id) {
        n->next = list;
        return n;
    }
    struct node *at = list;
    while (at->next != NULL && at->next->rec->id < n->rec->id)
        at = at->next;
    n->next = at->next;
    at->next = n;
    return list;
}

static struct node *list_build(uint32_t *rng) {
    struct node *list = NULL;
    arena_used = 0;
    for (uint32_t i = 0; i < LIST_NODES; i++) {
        /* The ids go in scrambled (613 is odd, LIST_NODES a power of 2). */
        uint16_t id = (uint16_t)((i * 613u + 101u) % LIST_NODES);
        struct node *n = new_node((int16_t)(next_random(rng) & 0x7fff), id);
        n->next = list;
        list = n;
    }
    return list_sort(list, by_id, 0);
}

/* One iteration over the list, which starts and ends sorted by id. */
static uint16_t list_kernel(struct node **listp, uint16_t seed, uint16_t crc) {
    struct node *list = *listp;
    uint32_t found = 0, missed = 0, position;

    for (uint32_t k = 0; k < LIST_FINDS; k++) {
        /* An id that may be past the last one, so some are missed. */
        uint16_t id = (uint16_t)((seed + k * 131u) % (LIST_NODES + LIST_NODES / 8));
        struct node *n = find_id(list, id, &position);
        if (n != NULL) {
            found++;
            crc = crc16_u16(crc, (uint16_t)position);
            crc = crc16_u16(crc, (uint16_t)n->rec->value);
        } else {
            missed++;
        }
        /* Half the values looked for are in the list, half are likely not. */
        int16_t value = (k & 1) ? record_arena[(seed * 7u + k * 389u) % LIST_NODES].value
                                : (int16_t)((seed * 31u + k * 977u) & 0x7fff);
        n = find_value(list, value, &position);
        if (n != NULL) {
            found++;
            crc = crc16_u16(crc, (uint16_t)(position ^ n->rec->id));
        } else {
            missed++;
        }
        list = list_reverse(list);
    }
    crc = crc16_u16(crc, (uint16_t)found);
    crc = crc16_u16(crc, (uint16_t)missed);

    /* Sort by the first key, and fold in every eighth record. */
    uint16_t key = (uint16_t)(seed * 0x9e37u);
    list = list_sort(list, by_value, key);
    uint32_t count = 0;
    int sorted = 1;
    for (struct node *n = list; n != NULL; n = n->next, count++) {
        if (n->next != NULL && by_value(n->rec, n->next->rec, key) > 0)
            sorted = 0;
        if ((count & 7) == 0)
            crc = crc16_u16(crc, (uint16_t)(n->rec->value ^ n->rec->id));
    }
    check(sorted && count == LIST_NODES, "list sorted by value");

    /* Take a record out, sort by the second key, put it back. */
    struct node *before = list;
    for (uint32_t i = seed % (LIST_NODES / 2); i > 0; i--)
        before = before->next;
    struct node *gone = remove_after(before);
    crc = crc16_u16(crc, gone->rec->id);
    list = list_sort(list, by_id, 0);
    list = insert_by_id(list, gone);

    /* The ids are 0..LIST_NODES-1 in order again; the values change for
     * the next iteration. */
    uint32_t expected = 0, sum = 0;
    sorted = 1;
    for (struct node *n = list; n != NULL; n = n->next, expected++) {
        if (n->rec->id != expected)
            sorted = 0;
        n->rec->value = (int16_t)(((uint32_t)n->rec->value * 5u + n->rec->id + seed) & 0x7fff);
        sum += (uint32_t)n->rec->value;
    }
    check(sorted && expected == LIST_NODES, "list back in id order");
    crc = crc16_u32(crc, sum);
    *listp = list;
    return crc;
}

/* ---- (b) matrices ---- */

static int16_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], vec_in[MAT_N];
static int32_t mat_c[MAT_N][MAT_N], vec_out[MAT_N];

static void matrix_build(uint32_t *rng) {
    /* Entries in [-2048, 2047]: with the added constant in [-256, 255], a
     * row times a column stays far inside int32. */
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int16_t)((int32_t)(next_random(rng) & 0xfff) - 2048);
            mat_b[i][j] = (int16_t)((int32_t)(next_random(rng) & 0xfff) - 2048);
        }
        vec_in[i] = (int16_t)((int32_t)(next_random(rng) & 0xfff) - 2048);
    }
}

static uint16_t matrix_crc16(uint16_t crc) {
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            crc = crc16_u16(crc, (uint16_t)mat_a[i][j]);
    return crc;
}

/* Summarises n results (their wrapped sum, a rotating xor, and how often
 * one exceeds the one before) into the CRC. */
static uint16_t fold_results(uint16_t crc, const int32_t *p, size_t n) {
    uint32_t sum = 0, mix = 0, rises = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)p[i];
        sum += u;
        mix = ((mix << 3) | (mix >> 29)) ^ u;
        if (i > 0 && p[i] > p[i - 1])
            rises++;
    }
    crc = crc16_u32(crc, sum);
    crc = crc16_u32(crc, mix);
    return crc16_u16(crc, (uint16_t)rises);
}

static uint16_t matrix_kernel(uint16_t seed, uint16_t crc) {
    int16_t constant = (int16_t)((int32_t)(seed & 0x1ff) - 256);

    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mat_a[i][j] = (int16_t)(mat_a[i][j] + constant);

    /* times a constant */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mat_c[i][j] = (int32_t)mat_a[i][j] * constant;
    crc = fold_results(crc, &mat_c[0][0], MAT_N * MAT_N);

    /* times a vector */
    for (int i = 0; i < MAT_N; i++) {
        int32_t sum = 0;
        for (int j = 0; j < MAT_N; j++)
            sum += (int32_t)mat_a[i][j] * vec_in[j];
        vec_out[i] = sum;
    }
    crc = fold_results(crc, vec_out, MAT_N);

    /* times a matrix */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < MAT_N; k++)
                sum += (int32_t)mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = sum;
        }
    crc = fold_results(crc, &mat_c[0][0], MAT_N * MAT_N);

    /* times a matrix, keeping bit fields of each product */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            uint32_t sum = 0;
            for (int k = 0; k < MAT_N; k++) {
                uint32_t product = (uint32_t)((int32_t)mat_a[i][k] * mat_b[k][j]);
                sum += ((product >> 2) & 0xf) * ((product >> 5) & 0x7f);
            }
            mat_c[i][j] = (int32_t)sum;
        }
    crc = fold_results(crc, &mat_c[0][0], MAT_N * MAT_N);

    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++)
            mat_a[i][j] = (int16_t)(mat_a[i][j] - constant);
    return crc;
}

/* ---- (c) a state machine over a text of numbers ---- */

enum state {
    ST_START,
    ST_SIGN,       /* a leading + or - */
    ST_INT,        /* digits */
    ST_POINT,      /* a '.' with no digit yet after it */
    ST_FLOAT,      /* digits after the point */
    ST_EXP,        /* an e or E */
    ST_EXP_SIGN,   /* a + or - after it */
    ST_SCIENTIFIC, /* exponent digits */
    ST_INVALID,
    ST_COUNT
};

enum token { TOKEN_INT, TOKEN_FLOAT, TOKEN_SCIENTIFIC, TOKEN_INVALID, TOKEN_COUNT };

static char text[TEXT_BYTES];

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_sign(char c) { return c == '+' || c == '-'; }

/* Scans the token at *at (up to a ',' or the end), counting each state's
 * exits; returns its class and moves *at past the ','. */
static enum token scan_token(const char *buf, size_t len, size_t *at, uint32_t exits[ST_COUNT]) {
    enum state s = ST_START;
    int digits_before_point = 0;
    size_t i = *at;
    while (i < len && buf[i] != ',') {
        char c = buf[i++];
        enum state next = ST_INVALID;
        switch (s) {
        case ST_START:
        case ST_SIGN:
            if (is_digit(c))
                next = ST_INT;
            else if (c == '.')
                next = ST_POINT;
            else if (s == ST_START && is_sign(c))
                next = ST_SIGN;
            break;
        case ST_INT:
            digits_before_point = 1;
            if (is_digit(c))
                next = ST_INT;
            else if (c == '.')
                next = ST_POINT;
            else if (c == 'e' || c == 'E')
                next = ST_EXP;
            break;
        case ST_POINT:
            if (is_digit(c))
                next = ST_FLOAT;
            else if (digits_before_point && (c == 'e' || c == 'E'))
                next = ST_EXP;
            break;
        case ST_FLOAT:
            if (is_digit(c))
                next = ST_FLOAT;
            else if (c == 'e' || c == 'E')
                next = ST_EXP;
            break;
        case ST_EXP:
            if (is_digit(c))
                next = ST_SCIENTIFIC;
            else if (is_sign(c))
                next = ST_EXP_SIGN;
            break;
        case ST_EXP_SIGN:
        case ST_SCIENTIFIC:
            if (is_digit(c))
                next = ST_SCIENTIFIC;
            break;
        case ST_INVALID:
        case ST_COUNT:
            break;
        }
        if (next != s)
            exits[s]++;
        s = next;
    }
    *at = i < len ? i + 1 : i;
    switch (s) {
    case ST_INT:
        return TOKEN_INT;
    case ST_FLOAT:
        return TOKEN_FLOAT;
    case ST_POINT:
        return digits_before_point ? TOKEN_FLOAT : TOKEN_INVALID; /* "3." */
    case ST_SCIENTIFIC:
        return TOKEN_SCIENTIFIC;
    default:
        return TOKEN_INVALID;
    }
}

static void append_digits(char *out, size_t *n, uint32_t *rng, uint32_t most) {
    uint32_t count = 1 + next_random(rng) % most;
    for (uint32_t i = 0; i < count; i++)
        out[(*n)++] = (char)('0' + next_random(rng) % 10);
}

/* One token of a random shape into out (at most 24 bytes); its length. */
static size_t make_token(char *out, uint32_t *rng) {
    static const char junk[] = "0123456789+-.eEx";
    size_t n = 0;
    uint32_t shape = next_random(rng) % 8;
    if (shape < 6 && (next_random(rng) & 3) == 0)
        out[n++] = (next_random(rng) & 1) ? '-' : '+';
    switch (shape) {
    case 0:
    case 1: /* int */
        append_digits(out, &n, rng, 6);
        break;
    case 2:
    case 3: /* float: "12.5", ".5" or "12." */
        if (next_random(rng) % 4 != 0)
            append_digits(out, &n, rng, 4);
        out[n++] = '.';
        if (n == 1 || next_random(rng) % 4 != 0)
            append_digits(out, &n, rng, 4);
        break;
    case 4:
    case 5: /* scientific */
        append_digits(out, &n, rng, 3);
        if (next_random(rng) & 1) {
            out[n++] = '.';
            append_digits(out, &n, rng, 3);
        }
        out[n++] = (next_random(rng) & 1) ? 'e' : 'E';
        if (next_random(rng) & 1)
            out[n++] = (next_random(rng) & 1) ? '-' : '+';
        append_digits(out, &n, rng, 3);
        break;
    default: /* junk */
        for (uint32_t i = 1 + next_random(rng) % 8; i > 0; i--)
            out[n++] = junk[next_random(rng) % (sizeof junk - 1)];
        break;
    }
    return n;
}

static void text_build(uint32_t *rng) {
    size_t used = 0;
    char token[32];
    while (used < TEXT_BYTES) {
        size_t n = make_token(token, rng);
        for (size_t i = 0; i < n && used < TEXT_BYTES; i++)
            text[used++] = token[i];
        if (used < TEXT_BYTES)
            text[used++] = ',';
    }
}

static uint16_t scan_text(uint16_t crc) {
    uint32_t exits[ST_COUNT] = {0}, tokens[TOKEN_COUNT] = {0};
    size_t at = 0;
    while (at < TEXT_BYTES)
        tokens[scan_token(text, TEXT_BYTES, &at, exits)]++;
    for (int t = 0; t < TOKEN_COUNT; t++)
        crc = crc16_u32(crc, tokens[t]);
    for (int s = 0; s < ST_COUNT; s++)
        crc = crc16_u32(crc, exits[s]);
    return crc;
}

static uint16_t state_kernel(uint16_t seed, uint16_t crc) {
    crc = scan_text(crc);
    /* Corrupt every stride-th byte, scan again, and undo it. */
    size_t stride = 3 + seed % 13;
    char flip = (char)(1 + (seed >> 8) % 0x3f);
    for (size_t i = seed % stride; i < TEXT_BYTES; i += stride)
        text[i] ^= flip;
    crc = scan_text(crc);
    for (size_t i = seed % stride; i < TEXT_BYTES; i += stride)
        text[i] ^= flip;
    return crc;
}
