/* inbox.c - see inbox.h. */
#include "gateway/uplink/inbox.h"
#include "gateway/base/error.h"

#include <stdlib.h>
#include <string.h>

int inbox_push(struct inbox *in, const char *topic, const void *payload, size_t len)
{
    size_t tl = strlen(topic);
    struct inbox_msg *m = malloc(sizeof(*m) + tl + 1 + len + 1);
    if (!m) {
        in->dropped++;
        return ST_ERR_NOMEM;
    }
    m->next = NULL;
    m->topic = (char *)(m + 1);
    memcpy(m->topic, topic, tl + 1);
    m->payload = m->topic + tl + 1;
    if (len) memcpy(m->payload, payload, len);
    ((char *)m->payload)[len] = '\0';
    m->len = len;
    if (in->tail)
        in->tail->next = m;
    else
        in->head = m;
    in->tail = m;
    in->n++;
    return ST_OK;
}

struct inbox_msg *inbox_pop(struct inbox *in)
{
    struct inbox_msg *m = in->head;
    if (!m) return NULL;
    in->head = m->next;
    if (!in->head) in->tail = NULL;
    in->n--;
    m->next = NULL;
    return m;
}

void inbox_msg_free(struct inbox_msg *m)
{
    free(m);
}

void inbox_clear(struct inbox *in)
{
    struct inbox_msg *m;
    while ((m = inbox_pop(in)))
        inbox_msg_free(m);
}
