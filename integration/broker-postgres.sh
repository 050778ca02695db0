#!/usr/bin/env bash
# broker.sh's scenarios again, with the broker's state and log in PostgreSQL.
BROKER_BACKEND=postgres exec bash "$(dirname "$0")/broker.sh"
