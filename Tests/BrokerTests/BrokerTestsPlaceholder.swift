// Placeholder so the BrokerTests target (declared in Package.swift at BASE) has a source file;
// the lead's Broker tests replace it.
import Testing
