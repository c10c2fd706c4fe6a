/* cmd_workorder.c - P/cmd/workorder: a work order's status from upstream (see commands.h). */
#include "gateway/base/error.h"
#include "gateway/uplink/commands_impl.h"
#include "gateway/work/workorders.h"

#include <jansson.h>
#include <string.h>

int commands__workorder(struct commands *c, const json_t *o, int64_t now_wall)
{
    int bad = 0, rc;
    const char *id = commands__field(o, "id", &bad), *status = commands__field(o, "status", &bad);
    const char *by = commands__field(o, "by", &bad);
    const char *outcome =
        json_object_get(o, "outcome") ? commands__field(o, "outcome", &bad) : NULL;
    json_t *n = json_object_get(o, "note");
    const char *note = NULL;
    if (n && json_is_string(n) && json_string_length(n) <= CMD_PAYLOAD_MAX / 2)
        note = json_string_value(n);
    else if (n && !json_is_null(n))
        bad = 1;
    if (bad || !id || !status)
        return commands__reply(
            c, "workorder", o, 0,
            "expected {\"id\": WO_ID, \"status\": STATUS, \"by\": NAME, \"note\": TEXT, "
            "\"outcome\": \"satisfied\"|\"not_satisfied\" (followed_up)}",
            NULL, NULL);
    /* Cancelling an emergency order takes the cancel role: it stops the SLA clock of a fire. */
    struct workorder *w = wo_find(c->wos, id);
    unsigned role = ROLE_WORKORDER;
    if (w && w->priority == PRIO_EMERGENCY && strcmp(status, "cancelled") == 0) role |= ROLE_CANCEL;
    if (commands__refused(c, "workorder", o, by, role, "id", id, &rc)) return rc;
    const char *why = NULL;
    struct wo_update u = {id, status, by, note, outcome};
    rc = wo_update(c->wos, &u, now_wall, &why, NULL);
    return commands__outcome(c, "workorder", o, rc, why, "id", id);
}
