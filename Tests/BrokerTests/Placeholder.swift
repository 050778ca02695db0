// Package.swift declares the BrokerTests target; SwiftPM refuses to build any product while a
// declared target has no sources. The broker's tests replace this file.
import Broker
