/* load_commands.c - who may command: the operators list and the commands group. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"

#include <stdio.h>
#include <string.h>

/* A name is what "by" and a signature's "kid" carry: printable, no spaces or quotes, short, so
 * that it can stand in a log line and a topic-free JSON field as it is. */
static const char *bad_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return "must be 1 to 63 characters";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
            return "may not hold spaces, quotes, backslashes or control characters";
    return NULL;
}

void config_load_commands(struct reader *r, const config_setting_t *root, struct config *c)
{
    settings_read(r, &set_metrics, settings_child(root, "metrics", SET_GROUP), "metrics", c, 0);
    settings_read(r, &set_chatter, settings_child(root, "chatter", SET_GROUP), "chatter", c, 0);
    const config_setting_t *cg = settings_child(root, "commands", SET_GROUP);
    settings_read(r, &set_commands, cg, "commands", c, 0);
    const config_setting_t *l = settings_child(root, "operators", SET_LIST);
    c->has_operators = l != NULL;
    c->operators = rd_alloc_items(l, sizeof(*c->operators), &c->n_operators);
    for (size_t i = 0; i < c->n_operators; i++) {
        struct cfg_operator *op = &c->operators[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "operators");
        if (!g) continue;
        op->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_operators, g, "operator", op)) continue;
        char what[96];
        snprintf(what, sizeof(what), "operator '%.63s'", op->name);
        const char *why = bad_name(op->name);
        if (why) rd_error(r, config_setting_get_member(g, "name"), "%s: 'name' %s", what, why);
        settings_read(r, &set_operators, g, what, op, 0);
        for (size_t k = 0; k < i; k++)
            if (c->operators[k].name && !strcmp(c->operators[k].name, op->name))
                rd_error(r, g, "%s: duplicate operator (first on line %d)", what,
                         c->operators[k].line);
        if (c->commands.require_signature && !op->key_file)
            rd_error(r, g, "%s: commands.require_signature is on: 'key_file' is required", what);
    }
    if (c->commands.require_signature && !c->has_operators)
        rd_error(r, cg, "commands: require_signature needs an operators list with their keys");
}

int config_operator_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->n_operators; i++)
        if (cfg->operators[i].name && !strcmp(cfg->operators[i].name, name)) return (int)i;
    return -1;
}
