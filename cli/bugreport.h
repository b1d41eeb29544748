/* SPDX-License-Identifier: MIT */
#pragma once

/* vfioexplain report: the bug-ticket document (Markdown or JSON) of what explain found. */

#include "hosts.h"

/* Prints the document for the hosts of s, ranked already; returns the exit status. */
int bugreport_print(const HostSet *s, const Options *o);
