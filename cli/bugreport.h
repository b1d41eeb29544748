/* SPDX-License-Identifier: MIT */
#pragma once

/* vfioexplain report: the bug-ticket document (Markdown or JSON) of what explain found. */

#include "hosts.h"

/* Prints the document for the hosts of s, ranked already; returns the exit status. */
int bugreport_print(const HostSet *s, const Options *o);

/* A redactor that knows this host's secrets: its probed name first, then its login users in /etc/passwd's
 * order, so that 'report --redact' and 'snapshot --redact' give them the same tokens. */
typedef struct Redactor Redactor;
int redactor_for_host(const HostFacts *f, Redactor **ret);
