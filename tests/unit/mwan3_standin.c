/*
 * mwan3_standin.c - stand-in for ubus, uci, hotplug-call and mwan3 in the
 * mwan3 controller's tests: `mwan3_standin TOOL DIR args...`, run through
 * a wrapper script DIR/bin/TOOL that the test puts first on PATH.
 *
 * Every call appends one line to DIR/log: the tool, its arguments and the
 * environment the hotplug handlers read (ACTION, INTERFACE, DEVICE,
 * STARFAIL, FIRSTCONNECT, MWAN3_SHUTDOWN). It also models the part of
 * mwan3 the controller relies on, from files in DIR:
 *   conf            committed config, `uci show` lines
 *   delta           pending `uci set`/`uci delete` (key=value, or -key)
 *   track.<iface>   mwan3track's status (default online)
 *   hp.<iface>      15-mwan3's hotplug state, set by connected/disconnected
 *                   (default online)
 *   hang.<tool>     the tool hangs (pid in DIR/pid.<tool>)
 *   garbage.<tool>  the tool prints garbage
 *   fail.<tool>     the tool exits 1
 * `ubus call mwan3 status {"section":"policies"}` answers what mwan3 would
 * use: per policy, of its members whose interface is online for the
 * tracker and the hotplug state, those with the lowest metric.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES_MAX 256
#define LINE_MAX_ 256

static const char *dir;
static char keys[LINES_MAX][LINE_MAX_], vals[LINES_MAX][LINE_MAX_];
static int n;

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static int exists(const char *name)
{
	char p[512];
	path(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

static void read_word(const char *name, char *out, size_t len, const char *dflt)
{
	char p[512];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "r");
	snprintf(out, len, "%s", dflt);
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static void write_word(const char *name, const char *w)
{
	char p[512];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "w");
	if (f) {
		fprintf(f, "%s\n", w);
		fclose(f);
	}
}

static int find(const char *k)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

static void set(const char *k, const char *v)
{
	int i = find(k);
	if (i < 0 && n < LINES_MAX)
		i = n++;
	if (i >= 0) {
		snprintf(keys[i], LINE_MAX_, "%s", k);
		snprintf(vals[i], LINE_MAX_, "%s", v);
	}
}

static void del(const char *k)
{
	int i = find(k);
	if (i < 0)
		return;
	n--;
	memmove(keys[i], keys[i + 1], (size_t)(n - i) * LINE_MAX_);
	memmove(vals[i], vals[i + 1], (size_t)(n - i) * LINE_MAX_);
}

/* conf, then delta over it */
static void load(void)
{
	char p[512], line[LINE_MAX_];
	path(p, sizeof(p), "conf");
	FILE *f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		set(line, eq + 1);
	}
	if (f)
		fclose(f);
	path(p, sizeof(p), "delta");
	f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *eq = strchr(line, '=');
		if (line[0] == '-')
			del(line + 1);
		else if (eq) {
			*eq = 0;
			set(line, eq + 1);
		}
	}
	if (f)
		fclose(f);
}

/* Add a pending change; an earlier one of the same key is replaced (as uci keeps its delta small). */
static void delta_add(const char *line)
{
	static char old[LINES_MAX][LINE_MAX_];
	int k = 0;
	char p[512], l[LINE_MAX_];
	const char *key = line[0] == '-' ? line + 1 : line;
	size_t klen = strcspn(key, "=");
	path(p, sizeof(p), "delta");
	FILE *f = fopen(p, "r");
	while (f && fgets(l, sizeof(l), f) && k < LINES_MAX - 1) {
		l[strcspn(l, "\n")] = 0;
		const char *lk = l[0] == '-' ? l + 1 : l;
		if (strcspn(lk, "=") == klen && strncmp(lk, key, klen) == 0)
			continue;
		snprintf(old[k++], LINE_MAX_, "%s", l);
	}
	if (f)
		fclose(f);
	snprintf(old[k++], LINE_MAX_, "%s", line);
	f = fopen(p, "w");
	for (int i = 0; f && i < k; i++)
		fprintf(f, "%s\n", old[i]);
	if (f)
		fclose(f);
}

static const char *unq(const char *v, char *buf, size_t len)
{
	size_t l = strlen(v);
	if (l >= 2 && v[0] == '\'' && v[l - 1] == '\'') {
		v++;
		l -= 2;
	}
	if (l >= len)
		l = len - 1;
	memcpy(buf, v, l);
	buf[l] = 0;
	return buf;
}

static const char *get(const char *sec, const char *opt, char *buf, size_t len)
{
	char k[LINE_MAX_];
	snprintf(k, sizeof(k), "mwan3.%s.%s", sec, opt);
	int i = find(k);
	return i < 0 ? NULL : unq(vals[i], buf, len);
}

static int online(const char *iface)
{
	char f[128], t[32], h[32];
	snprintf(f, sizeof(f), "track.%.100s", iface);
	read_word(f, t, sizeof(t), "online");
	snprintf(f, sizeof(f), "hp.%.100s", iface);
	read_word(f, h, sizeof(h), "online");
	return strcmp(t, "online") == 0 && strcmp(h, "online") == 0;
}

static void interfaces(void)
{
	printf("{\"interfaces\":{");
	int first = 1;
	for (int i = 0; i < n; i++) {
		const char *k = keys[i] + 6;
		if (strchr(k, '.') || strcmp(vals[i], "interface"))
			continue;
		char f[128], t[32];
		snprintf(f, sizeof(f), "track.%s", k);
		read_word(f, t, sizeof(t), "online");
		printf("%s\"%s\":{\"age\":1,\"online\":10,\"offline\":0,\"uptime\":100,\"score\":10,\"lost\":0,"
		       "\"turn\":3,\"status\":\"%s\",\"enabled\":true,\"running\":true,\"tracking\":\"active\","
		       "\"up\":true,\"track_ip\":[{\"ip\":\"1.1.1.1\",\"status\":\"up\",\"latency\":12,\"packetloss\":0}]}",
		       first ? "" : ",", k, t);
		first = 0;
	}
	printf("}}\n");
}

static void policies(void)
{
	printf("{\"policies\":{\"ipv4\":{");
	int first = 1;
	for (int i = 0; i < n; i++) {
		const char *k = keys[i] + 6;
		if (strchr(k, '.') || strcmp(vals[i], "policy"))
			continue;
		char b[LINE_MAX_], list[LINE_MAX_];
		const char *um = get(k, "use_member", b, sizeof(b));
		snprintf(list, sizeof(list), "%s", um ? um : "");
		char ifs[16][64];
		int metrics[16], cnt = 0, best = 1 << 30;
		for (char *tok = strtok(list, "' "); tok && cnt < 16; tok = strtok(NULL, "' ")) {
			char b1[LINE_MAX_], b2[LINE_MAX_];
			const char *ifc = get(tok, "interface", b1, sizeof(b1));
			const char *met = get(tok, "metric", b2, sizeof(b2));
			if (!ifc || !online(ifc))
				continue;
			snprintf(ifs[cnt], 64, "%.63s", ifc);
			metrics[cnt] = met ? atoi(met) : 1;
			if (metrics[cnt] < best)
				best = metrics[cnt];
			cnt++;
		}
		int used = 0;
		for (int j = 0; j < cnt; j++)
			used += metrics[j] == best;
		printf("%s\"%s\":[", first ? "" : ",", k);
		first = 0;
		int f2 = 1;
		for (int j = 0; j < cnt; j++)
			if (metrics[j] == best) {
				printf("%s{\"interface\":\"%s\",\"percent\":%d}", f2 ? "" : ",", ifs[j], 100 / used);
				f2 = 0;
			}
		printf("]");
	}
	printf("},\"ipv6\":{}}}\n");
}

static void log_call(const char *tool, int argc, char **argv)
{
	char p[512];
	path(p, sizeof(p), "log");
	FILE *f = fopen(p, "a");
	if (!f)
		return;
	fprintf(f, "%s", tool);
	for (int i = 0; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	static const char *const env[] = { "ACTION", "INTERFACE", "DEVICE", "STARFAIL", "FIRSTCONNECT",
					   "MWAN3_SHUTDOWN", NULL };
	fprintf(f, " |");
	for (int i = 0; env[i]; i++)
		if (getenv(env[i]))
			fprintf(f, " %s=%s", env[i], getenv(env[i]));
	fprintf(f, "\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *tool = argv[1];
	dir = argv[2];
	argc -= 3;
	argv += 3;
	log_call(tool, argc, argv);
	char flag[64];
	snprintf(flag, sizeof(flag), "hang.%s", tool);
	if (exists(flag)) {
		char pid[32];
		snprintf(flag, sizeof(flag), "pid.%s", tool);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		write_word(flag, pid);
		for (;;)
			pause();
	}
	snprintf(flag, sizeof(flag), "garbage.%s", tool);
	if (exists(flag)) {
		printf("Command failed: \x01\xff{{{ not json\n");
		return 0;
	}
	snprintf(flag, sizeof(flag), "fail.%s", tool);
	if (exists(flag))
		return 1;
	load();
	if (strcmp(tool, "ubus") == 0) {
		if (argc >= 4 && strcmp(argv[0], "call") == 0 && strcmp(argv[1], "mwan3") == 0) {
			if (strstr(argv[3], "policies"))
				policies();
			else
				interfaces();
			return 0;
		}
		return 4;
	}
	if (strcmp(tool, "uci") == 0) {
		int a = 0;
		while (a < argc && argv[a][0] == '-')
			a++;
		if (a + 1 < argc && strcmp(argv[a], "show") == 0) {
			for (int i = 0; i < n; i++)
				if (strncmp(keys[i], "mwan3.", 6) == 0)
					printf("%s=%s\n", keys[i], vals[i]);
			return 0;
		}
		if (a + 1 < argc && strcmp(argv[a], "set") == 0) {
			char line[LINE_MAX_];
			const char *eq = strchr(argv[a + 1], '=');
			if (!eq)
				return 1;
			snprintf(line, sizeof(line), "%.*s='%s'", (int)(eq - argv[a + 1]), argv[a + 1], eq + 1);
			delta_add(line);
			return 0;
		}
		if (a + 1 < argc && strcmp(argv[a], "delete") == 0) {
			char line[LINE_MAX_];
			snprintf(line, sizeof(line), "-%s", argv[a + 1]);
			delta_add(line);
			return 0;
		}
		return 1;
	}
	if (strcmp(tool, "hotplug-call") == 0) {
		const char *action = getenv("ACTION"), *iface = getenv("INTERFACE");
		if (!action || !iface || getenv("FIRSTCONNECT") || getenv("MWAN3_SHUTDOWN"))
			return 0;	/* what 15-mwan3 ignores */
		char f[128];
		snprintf(f, sizeof(f), "hp.%.100s", iface);
		if (strcmp(action, "connected") == 0 && getenv("DEVICE") && *getenv("DEVICE"))
			write_word(f, "online");
		else if (strcmp(action, "disconnected") == 0)
			write_word(f, "offline");
		return 0;
	}
	return 0;	/* mwan3: only logged */
}
