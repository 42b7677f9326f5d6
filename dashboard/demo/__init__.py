"""The local demo (`make run`): five vendor simulators and a team connected to them."""

from pathlib import Path

PROVISIONING_FILE = Path(__file__).with_name("provisioning.toml")
DEMO_EMAIL = "demo@example.com"
DEMO_TEAM = "ops"

# Which simulator credential fills which ${NAME} of each preset (the simulators' demo
# accounts; see dashboard/simulators/README.md).
SIMULATOR_SECRETS = {
    "parsalink": {"PARSALINK_EMAIL": "email", "PARSALINK_PASSWORD": "password"},
    "parallax": {"PARALLAX_API_KEY": "api_key"},
    "beacon": {"BEACON_API_KEY": "api_key"},
    "linkit": {"LINKIT_API_KEY": "api_key"},
    "atlas": {"ATLAS_CLIENT_ID": "client_id", "ATLAS_CLIENT_SECRET": "client_secret"},
}
