.PHONY: run test

# Build and start the portal in demo mode (installs missing tools first).
run:
	scripts/run.sh

# Run every test: unit, integration and browser (installs missing tools first).
test:
	scripts/test.sh
